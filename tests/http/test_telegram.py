"""The Telegram bot through its webhook and in polling mode, against a fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bots.app import create_app
from bots.settings import ConfigurationError
from storage.stats import collect_stats
from tests.conftest import SettingsFactory
from tests.fakes.telegram_server import FakeTelegram
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.databases import migrate_database, postgres_schema, postgres_url
from tests.support.telegram import PHOTO, STICKER, message, update

TOKEN = "7000000001:AAFakeTokenForTestsOnly_0123456789"
SECRET = "webhook-secret_0123456789"
ROUTE = "/webhooks/telegram"


@pytest.fixture
def bot_api() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def telegram_settings(make_settings: SettingsFactory, bot_api: FakeTelegram) -> SettingsFactory:
    def factory(**overrides: Any) -> Any:
        values = {
            "telegram_bot_token": TOKEN,
            "telegram_webhook_secret": SECRET,
            "telegram_api_url": bot_api.base_url,
        }
        return make_settings(**values | overrides)

    return factory


async def post(client: httpx.AsyncClient, data: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await client.post(ROUTE, json=data, headers=headers)


def telegram_figures(app: FastAPI, clock: FakeClock) -> dict[str, Any]:
    figures = collect_stats(app.state.engine, clock().date(), 20_000_000)
    return dict(figures["channels"]["telegram"])


async def test_a_first_private_message_is_answered_in_the_webhook_answer(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(telegram_settings(), clock) as (app, client):
        first = await post(client, update(**message(42, "Salut")))
        second = await post(client, update(**message(42, "Tu réponds ?")))
        figures = telegram_figures(app, clock)
    call = first.json()
    assert (call["method"], call["chat_id"], call["parse_mode"]) == ("sendMessage", 42, "HTML")
    assert "Message automatique" in call["text"]
    assert "business_connection_id" not in call
    assert (second.status_code, second.content) == (200, b"")
    assert (figures["inbound"], figures["replies"], figures["spend_eur"]) == (2, 1, 0.0)


@pytest.mark.parametrize("secret", [None, "wrong-secret"], ids=["missing", "wrong"])
async def test_a_request_without_the_secret_is_refused_and_nothing_stored(
    telegram_settings: SettingsFactory, clock: FakeClock, secret: str | None
) -> None:
    async with running_app(telegram_settings(), clock) as (app, client):
        response = await post(client, update(**message(42)), secret=secret)
        figures = telegram_figures(app, clock)
    assert response.status_code == 403
    assert figures["inbound"] == 0


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"telegram_webhook_secret": None}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"telegram_bot_token": None}, "TELEGRAM_BOT_TOKEN"),
    ],
)
async def test_an_unconfigured_bot_answers_503_naming_the_setting(
    telegram_settings: SettingsFactory,
    clock: FakeClock,
    overrides: dict[str, Any],
    setting: str,
) -> None:
    async with running_app(telegram_settings(**overrides), clock) as (_, client):
        response = await post(client, update(**message(42)))
    assert response.status_code == 503 and setting in response.json()["detail"]


async def test_a_duplicate_update_gets_the_same_answer_and_is_counted_once(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    data = update(**message(43, "/start"))
    async with running_app(telegram_settings(), clock) as (app, client):
        answers = await asyncio.gather(*(post(client, data) for _ in range(5)))
        figures = telegram_figures(app, clock)
    assert len({a.content for a in answers}) == 1 and answers[0].json()["method"] == "sendMessage"
    assert (figures["inbound"], figures["replies"]) == (1, 1)


@pytest.mark.parametrize(
    "extra", [{"sticker": STICKER}, {"photo": PHOTO}], ids=["sticker", "photo"]
)
async def test_stickers_and_photos_are_answered_too(
    telegram_settings: SettingsFactory, clock: FakeClock, extra: dict[str, Any]
) -> None:
    async with running_app(telegram_settings(), clock) as (_, client):
        response = await post(client, update(**message(44, None, **extra)))
    assert response.json()["method"] == "sendMessage"


async def test_an_edited_message_is_stored_never_answered(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(telegram_settings(), clock) as (app, client):
        response = await post(client, update("edited_message", **message(45, "Oups")))
        figures = telegram_figures(app, clock)
    assert response.content == b""
    assert (figures["inbound"], figures["replies"]) == (1, 0)


async def test_in_a_group_the_bot_answers_nobody_and_leaves(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(telegram_settings(), clock) as (app, client):
        response = await post(client, update(**message(46, "Salut", chat_type="group")))
        figures = telegram_figures(app, clock)
    assert response.json() == {"method": "leaveChat", "chat_id": -1_000_000_046}
    assert figures["inbound"] == 0


async def test_a_business_message_is_answered_through_its_connection(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    data = update("business_message", **message(47, "Salut", business_connection_id="bc-1"))
    async with running_app(telegram_settings(), clock) as (_, client):
        response = await post(client, data)
    assert response.json()["business_connection_id"] == "bc-1"


async def test_the_reply_speaks_the_senders_language(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    english = message(48, "Hi")
    english["from"]["language_code"] = "en"
    async with running_app(telegram_settings(), clock) as (_, client):
        response = await post(client, update(**english))
    assert "Automatic message" in response.json()["text"]


async def test_a_body_that_is_not_json_is_malformed(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(telegram_settings(), clock) as (_, client):
        response = await client.post(
            ROUTE, content=b"{nope", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
    assert response.status_code == 400


async def test_a_delayed_reply_goes_through_the_bot_and_honours_retry_after(
    telegram_settings: SettingsFactory, clock: FakeClock, bot_api: FakeTelegram
) -> None:
    settings = telegram_settings(reply_delay="20m-60m")
    data = update("business_message", **message(49, "Salut", business_connection_id="bc-2"))
    async with running_app(settings, clock) as (app, client):
        answer = await post(client, data)
        clock.advance(timedelta(hours=1))
        bot_api.too_many["sendMessage"].append(7)
        assert await asyncio.to_thread(app.state.outbox_worker.run_once) == {"retried": 1}
        clock.advance(timedelta(seconds=6))
        assert await asyncio.to_thread(app.state.outbox_worker.run_once) == {}
        clock.advance(timedelta(seconds=1))
        assert await asyncio.to_thread(app.state.outbox_worker.run_once) == {"sent": 1}
        figures = telegram_figures(app, clock)
    assert answer.content == b""
    sent = bot_api.called("sendMessage")
    assert len(sent) == 2  # the refused attempt, then the one that went
    assert (sent[-1]["chat_id"], sent[-1]["business_connection_id"]) == (49, "bc-2")
    assert figures["replies"] == 1


async def test_without_a_public_url_the_bot_long_polls(
    telegram_settings: SettingsFactory, clock: FakeClock, bot_api: FakeTelegram
) -> None:
    bot_api.updates.append(update(**message(50, "Salut")))
    bot_api.updates.append(update(**message(51, "Salut", chat_type="supergroup")))
    async with running_app(telegram_settings(public_url=None), clock) as (app, _):
        for _ in range(100):
            if bot_api.called("sendMessage") and bot_api.called("leaveChat"):
                break
            await asyncio.sleep(0.05)
        figures = telegram_figures(app, clock)
    assert bot_api.called("getUpdates")
    assert bot_api.called("sendMessage")[0]["chat_id"] == 50
    assert bot_api.called("leaveChat")[0]["chat_id"] == -1_000_000_051
    assert figures["inbound"] == 1


def test_telegram_setup_registers_the_webhook_and_the_descriptions(
    monkeypatch: pytest.MonkeyPatch, bot_api: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    from bots.cli import main

    for name, value in {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "ANTIRELOUS_TELEGRAM_API_URL": bot_api.base_url,
        "ANTIRELOUS_PUBLIC_URL": "https://antirelous.example",
    }.items():
        monkeypatch.setenv(name, value)
    assert main(["telegram", "setup"]) == 0
    (webhook,) = bot_api.called("setWebhook")
    assert webhook["url"] == "https://antirelous.example/webhooks/telegram"
    assert webhook["secret_token"] == SECRET
    assert set(webhook["allowed_updates"]) >= {"message", "business_message", "my_chat_member"}
    descriptions = bot_api.called("setMyDescription")
    assert len(descriptions) == 3  # the default (ANTIRELOUS_LOCALE), then fr and en
    assert "consentement" in descriptions[0]["description"]
    assert {d.get("language_code") for d in descriptions} == {None, "fr", "en"}
    assert all(len(s["short_description"]) <= 120 for s in bot_api.called("setMyShortDescription"))
    assert "webhook set to" in capsys.readouterr().out


def test_telegram_setup_without_a_public_url_prepares_polling(
    monkeypatch: pytest.MonkeyPatch, bot_api: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    from bots.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("ANTIRELOUS_TELEGRAM_API_URL", bot_api.base_url)
    assert main(["telegram", "setup"]) == 0
    assert bot_api.called("deleteWebhook") and not bot_api.called("setWebhook")
    assert "long-poll" in capsys.readouterr().out


def test_telegram_setup_needs_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    from bots.cli import main

    assert main(["telegram", "setup"]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


async def test_a_paused_telegram_stores_and_answers_nothing(
    telegram_settings: SettingsFactory, clock: FakeClock
) -> None:
    from replies.types import Channel
    from storage.control_repository import ControlRepository

    async with running_app(telegram_settings(), clock) as (app, client):
        ControlRepository(app.state.engine).pause([Channel.TELEGRAM], now=clock(), by="cli:a")
        response = await post(client, update(**message(52, "Salut")))
        figures = telegram_figures(app, clock)
    assert response.content == b""
    assert (figures["inbound"], figures["replies"]) == (1, 0)


async def test_a_business_connection_is_noted_and_nothing_is_stored(
    telegram_settings: SettingsFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    connection: dict[str, Any] = {
        "id": "bc-9",
        "user": {"id": 99, "is_bot": False, "first_name": "Owner"},
        "user_chat_id": 99,
        "date": 1_795_900_000,
        "is_enabled": True,
        "rights": {"can_reply": True},
    }
    caplog.set_level(logging.INFO, logger="antirelous.telegram")
    async with running_app(telegram_settings(), clock) as (app, client):
        response = await post(client, update("business_connection", **connection))
        figures = telegram_figures(app, clock)
    assert response.status_code == 200 and figures["inbound"] == 0
    assert "business connection bc-9 enabled" in caplog.text


async def test_stop_before_a_delayed_telegram_reply_goes_drops_it(
    telegram_settings: SettingsFactory, clock: FakeClock, bot_api: FakeTelegram
) -> None:
    async with running_app(telegram_settings(reply_delay="20m-60m"), clock) as (app, client):
        await post(client, update(**message(53, "Salut")))
        await post(client, update(**message(53, "/stop")))
        clock.advance(timedelta(hours=1))
        report = await asyncio.to_thread(app.state.outbox_worker.run_once)
    assert report == {"dropped": 1}
    assert bot_api.called("sendMessage") == []


async def test_a_second_replica_may_not_poll_the_same_bot(
    telegram_settings: SettingsFactory, clock: FakeClock, bot_api: FakeTelegram
) -> None:
    with postgres_schema() as schema:
        url = postgres_url(schema)
        migrate_database(url)
        settings = telegram_settings(public_url=None, database_url=url)
        async with running_app(settings, clock):
            with pytest.raises(ConfigurationError, match="another replica is polling"):
                create_app(settings, clock=clock)
        async with running_app(settings, clock):  # the first one stopped: its lock went
            pass
