"""The ``antirelous`` command line, run in-process on real databases."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bots.app import create_app
from bots.cli import main
from bots.clock import system_clock
from bots.settings import ConfigurationError, Settings
from storage import migrate
from tests.conftest import SECRET_KEY, SettingsFactory
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.databases import postgres_schema, postgres_url
from tests.support.twilio import message_fields, new_number, new_sid, post_signed

SMS = "/webhooks/twilio/sms"


@pytest.fixture
def clock() -> FakeClock:
    """The app's clock starts at the real time: the CLI counts "today" by the real date."""
    return FakeClock(system_clock())


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> pytest.MonkeyPatch:
    """The environment an operator would have: the same database and key as the app."""
    monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ANTIRELOUS_SECRET_KEY", SECRET_KEY)
    return monkeypatch


async def test_stats_json_has_the_documented_shape(
    env: pytest.MonkeyPatch,
    make_settings: SettingsFactory,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        await post_signed(client, SMS, message_fields(new_number()))
        await post_signed(client, SMS, message_fields(new_number(), "STOP"))
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["inbound"], figures["replies"], figures["spend_eur"]) == (2, 1, 0.16)
    assert figures["inbound_spend_eur"] == 0.0
    assert set(figures["today"]) >= {"date", "inbound", "replies", "spend_eur", "budget_eur"}
    assert figures["today"]["budget_eur"] == 20.0
    assert set(figures["channels"]) >= {"sms", "whatsapp", "telegram"}
    sms = figures["channels"]["sms"]
    assert (sms["inbound"], sms["replies"], sms["spend_eur"], sms["paused"]) == (2, 1, 0.16, False)
    assert sms["today"] == {
        "inbound": 2,
        "replies": 1,
        "spend_eur": 0.16,
        "abusive": 0,
        "blocked": 0,
    }


def test_stats_for_a_person_is_a_table(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "whatsapp" in out and "budget" in out


def test_templates_check_passes_on_the_built_in_templates(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["templates", "check"]) == 0
    out = capsys.readouterr().out
    assert "ok   fr/sms.j2" in out and "ok   en/whatsapp.j2" in out


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("{% if %}", "TemplateSyntaxError"),
        ("Message automatique. " * 9, "must fit one segment"),
        ("Réponse automatique à {{ body }}", "UndefinedError"),
    ],
    ids=["syntax", "two-segments", "inbound-content"],
)
def test_templates_check_fails_on_a_bad_override(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    source: str,
    complaint: str,
) -> None:
    (tmp_path / "overrides" / "fr").mkdir(parents=True)
    (tmp_path / "overrides" / "fr" / "sms.j2").write_text(source)
    env.setenv("ANTIRELOUS_TEMPLATES_DIR", str(tmp_path / "overrides"))
    assert main(["templates", "check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL fr/sms.j2" in out and complaint in out


async def test_forget_erases_a_sender_on_every_channel(
    env: pytest.MonkeyPatch,
    make_settings: SettingsFactory,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = "+33612121212"
    async with running_app(make_settings(), clock) as (_, client):
        await post_signed(client, SMS, message_fields(number))
        await post_signed(client, SMS, message_fields(number, "STOP"))
        await post_signed(
            client, "/webhooks/twilio/whatsapp", message_fields(number, channel="whatsapp")
        )
        await post_signed(client, SMS, message_fields(new_number()))  # someone else
    capsys.readouterr()
    assert main(["forget", "+33 6 12 12 12 12"]) == 0
    out = capsys.readouterr().out
    assert "erased 3 messages, 1 replies, 1 reply windows and 1 opt-outs" in out
    assert "612121212" not in out
    async with running_app(make_settings(), clock) as (_, client):
        again = await post_signed(client, SMS, message_fields(number, sid=new_sid()))
    assert "<Message>" in again.text  # forgotten: a first contact again


def test_forget_refuses_what_is_not_a_number(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["forget", "0612345678"]) == 2
    assert "international" in capsys.readouterr().err


def test_serve_dev_refuses_a_non_loopback_host(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--dev", "--host", "0.0.0.0"]) == 2  # noqa: S104
    assert "loopback" in capsys.readouterr().err


def test_db_upgrade_then_the_app_starts_on_postgresql(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with postgres_schema() as schema:
        url = postgres_url(schema)
        settings = Settings(_env_file=None, database_url=url, secret_key=SECRET_KEY)
        with pytest.raises(ConfigurationError, match="antirelous db upgrade"):
            create_app(settings)
        monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", url)
        assert main(["db", "upgrade"]) == 0
        assert f"database schema at {migrate.head_revision()}" in capsys.readouterr().out
        create_app(settings).state.engine.dispose()


def test_postgresql_needs_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with postgres_schema() as schema:
        monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", postgres_url(schema))
        assert main(["forget", "+33612345678"]) == 2
    assert "ANTIRELOUS_SECRET_KEY is required" in capsys.readouterr().err


def test_invalid_settings_are_reported_without_a_traceback(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("ANTIRELOUS_REPLY_COUNTRIES", "33,999")
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert "999" in err and "Traceback" not in err


async def test_pause_from_the_cli_silences_the_webhook_at_once(
    env: pytest.MonkeyPatch, make_settings: SettingsFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(system_clock())  # the CLI reads the real time: so must the app here
    async with running_app(make_settings(), clock) as (_, client):
        assert main(["pause", "sms", "2h"]) == 0
        paused = await post_signed(client, SMS, message_fields(new_number()))
        whatsapp = await post_signed(
            client, "/webhooks/twilio/whatsapp", message_fields(new_number(), channel="whatsapp")
        )
        assert main(["resume", "sms"]) == 0
        resumed = await post_signed(client, SMS, message_fields(new_number()))
    out = capsys.readouterr().out
    assert "paused sms until" in out and "resumed sms" in out
    assert "<Message>" not in paused.text
    assert "<Message>" in whatsapp.text and "<Message>" in resumed.text


def test_status_and_stats_show_who_paused_what(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["pause", "30m"]) == 0  # no channel: all of them
    capsys.readouterr()
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert main(["stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    for channel in ("sms", "whatsapp", "telegram"):
        assert f"{channel:<10} paused by cli:" in status
        assert figures["channels"][channel]["paused"] is True
    assert main(["resume"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    assert "sms        live" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [(["pause", "sms", "soon"], "not a duration"), (["pause", "fax"], "unknown channel")],
)
def test_pause_refuses_what_it_cannot_understand(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    assert main(argv) == 2
    assert complaint in capsys.readouterr().err


async def test_status_shows_the_outbox_depth_and_next_due_time(
    env: pytest.MonkeyPatch,
    make_settings: SettingsFactory,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running_app(make_settings(reply_delay="30m"), clock) as (_, client):
        await post_signed(client, SMS, message_fields(new_number()))
        await post_signed(client, SMS, message_fields(new_number()))
    capsys.readouterr()
    assert main(["status"]) == 0
    due = clock() + timedelta(minutes=30)
    assert f"outbox: 2 replies waiting, the next due {due:%Y-%m-%d %H:%M:%S} UTC" in (
        capsys.readouterr().out
    )


def test_templates_check_holds_telegram_descriptions_to_telegrams_limits(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "overrides" / "en").mkdir(parents=True)
    (tmp_path / "overrides" / "en" / "telegram_short_description.j2").write_text("x" * 121)
    env.setenv("ANTIRELOUS_TEMPLATES_DIR", str(tmp_path / "overrides"))
    assert main(["templates", "check"]) == 1
    assert "FAIL en/telegram_short_description.j2: 121 characters of 120" in (
        capsys.readouterr().out
    )


def test_an_empty_variable_in_the_environment_means_unset(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As docker/example.env leaves them: `TELEGRAM_BOT_TOKEN=` must not be a token "".
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=\nANTIRELOUS_EVIDENCE_PUBLIC_KEY=\n")
    env.setenv("ANTIRELOUS_FLOOD_BLOCK", "")
    settings = Settings()
    assert settings.telegram_bot_token is None
    assert settings.evidence_public_key is None
    assert settings.flood_block == "10/5m"
    assert main(["status"]) == 0
