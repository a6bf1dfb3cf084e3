"""The Slack app over HTTP: signed commands and button clicks, admins only, audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bots.slack_commands import COMMANDS
from replies.types import Channel
from storage.control_repository import ControlRepository
from tests.conftest import SettingsFactory
from tests.fakes.http_recorder import Recorder
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, new_number, post_signed

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN, OTHER = "U0ADMIN", "U0OTHER"
SMS = "/webhooks/twilio/sms"
MANIFEST = Path(__file__).resolve().parents[2] / "bots" / "slack_manifest.json"


@pytest.fixture
def slack_settings(make_settings: SettingsFactory) -> SettingsFactory:
    def factory(**overrides: Any) -> Any:
        values = {"slack_signing_secret": SIGNING_SECRET, "slack_admin_users": f"{ADMIN}, U0TWO"}
        return make_settings(**values | overrides)

    return factory


@pytest.fixture
def response_url() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


def signed_headers(body: str, clock: FakeClock, age_s: int = 0) -> dict[str, str]:
    timestamp = str(int(clock().timestamp()) - age_s)
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


async def command(
    client: httpx.AsyncClient, clock: FakeClock, text: str, user: str = ADMIN, age_s: int = 0
) -> httpx.Response:
    name, _, rest = text.partition(" ")
    body = urlencode(
        {
            "command": name,
            "text": rest,
            "user_id": user,
            "team_id": "T0TEAM",
            "channel_id": "C0OPS",
            "response_url": "https://hooks.slack.com/commands/x",
        }
    )
    return await client.post(
        "/slack/commands", content=body, headers=signed_headers(body, clock, age_s)
    )


async def test_an_admin_pauses_sms_and_messages_are_stored_unanswered(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(), clock) as (app, client):
        paused = await command(client, clock, "/pause sms")
        unanswered = await post_signed(client, SMS, message_fields(new_number()))
        resumed = await command(client, clock, "/resume sms")
        answered = await post_signed(client, SMS, message_fields(new_number()))
        audit = ControlRepository(app.state.engine).audit_log()
    assert paused.json()["response_type"] == "in_channel"
    assert "paused sms until resumed" in paused.json()["text"]
    assert "<Message>" not in unanswered.text and "<Message>" in answered.text
    assert "resumed sms" in resumed.json()["text"]
    assert [(e.actor, e.action) for e in audit] == [
        (f"slack:{ADMIN}", "resume"),
        (f"slack:{ADMIN}", "pause"),
    ]


async def test_a_pause_from_slack_drops_a_queued_reply(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(reply_delay="20m-60m"), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        await command(client, clock, "/antirelous pause all 2h")
        clock.advance(timedelta(hours=1))
        report = await asyncio.to_thread(app.state.outbox_worker.run_once)
    assert report == {"dropped": 1}


async def test_someone_else_is_refused_and_nothing_changes(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(), clock) as (app, client):
        refused = await command(client, clock, "/pause", user=OTHER)
        status = await command(client, clock, "/antirelous status", user=OTHER)
        pauses = ControlRepository(app.state.engine).pauses(clock())
    assert refused.json() == {
        "response_type": "ephemeral",
        "text": "Only the admins listed in SLACK_ADMIN_USERS may do that.",
    }
    assert pauses == {}
    assert "*sms*: live" in status.json()["text"]  # reading is for everyone


@pytest.mark.parametrize(
    "tamper",
    ["unsigned", "forged", "stale"],
)
async def test_unsigned_forged_or_stale_requests_get_401_and_do_nothing(
    slack_settings: SettingsFactory, clock: FakeClock, tamper: str
) -> None:
    body = urlencode({"command": "/pause", "text": "", "user_id": ADMIN})
    headers = signed_headers(body, clock, age_s=301 if tamper == "stale" else 0)
    if tamper == "unsigned":
        del headers["X-Slack-Signature"]
    if tamper == "forged":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    async with running_app(slack_settings(), clock) as (app, client):
        response = await client.post("/slack/commands", content=body, headers=headers)
        pauses = ControlRepository(app.state.engine).pauses(clock())
    assert response.status_code == 401 and pauses == {}


async def test_without_a_signing_secret_slack_routes_answer_503(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(slack_signing_secret=None), clock) as (_, client):
        response = await command(client, clock, "/antirelous status")
    assert response.status_code == 503 and "SLACK_SIGNING_SECRET" in response.json()["detail"]


async def test_status_tells_the_channels_the_last_hour_and_the_outbox(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(reply_delay="30m"), clock) as (_, client):
        await post_signed(client, SMS, message_fields(new_number()))
        await command(client, clock, "/pause whatsapp 2h")
        status = (await command(client, clock, "/antirelous status")).json()
    text = status["text"]
    assert f"*whatsapp*: paused by slack:{ADMIN}" in text and "*sms*: live" in text
    assert "Last hour: 1 messages, 0 replies." in text
    assert "Outbox: 1 replies waiting" in text
    buttons = status["blocks"][1]["elements"]
    assert [b["action_id"] for b in buttons] == ["pause", "resume"]


async def test_the_pause_button_works_and_answers_through_the_response_url(
    slack_settings: SettingsFactory, clock: FakeClock, response_url: Recorder
) -> None:
    payload = {
        "type": "block_actions",
        "user": {"id": ADMIN},
        "response_url": response_url.url,
        "actions": [{"action_id": "pause", "value": "all", "type": "button"}],
    }
    body = urlencode({"payload": json.dumps(payload)})
    async with running_app(slack_settings(), clock) as (app, client):
        response = await client.post(
            "/slack/interactions", content=body, headers=signed_headers(body, clock)
        )
        assert await asyncio.to_thread(response_url.received.wait, 5)
        pauses = ControlRepository(app.state.engine).pauses(clock())
    assert response.status_code == 200
    assert set(pauses) == set(Channel)
    assert "paused sms, whatsapp, telegram" in response_url.posts[0]["text"]


async def test_block_by_ref_or_by_number_without_repeating_it(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    from replies.pseudonyms import public_ref

    first, second = "+33611111112", "+33622222223"
    async with running_app(slack_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(first))
        control = ControlRepository(app.state.engine)
        with app.state.engine.connect() as connection:  # the pseudonym whose ref alerts show
            pseudonym = connection.execute(text("SELECT sender FROM message")).scalar_one()
        by_ref = await command(client, clock, f"/antirelous block {public_ref(pseudonym)}")
        by_number = await command(client, clock, "/antirelous block +33 6 22 22 22 23")
        after_ref = await post_signed(client, SMS, message_fields(first, "Encore"))
        after_number = await post_signed(
            client, "/webhooks/twilio/whatsapp", message_fields(second, channel="whatsapp")
        )
        unblocked = await command(client, clock, f"/antirelous unblock {public_ref(pseudonym)}")
        audit = [entry.action for entry in control.audit_log()]
    assert "Blocked" in by_ref.json()["text"]
    assert "622222223" not in by_number.text and "the number typed" in by_number.json()["text"]
    assert "<Message>" not in after_ref.text and "<Message>" not in after_number.text
    assert "Unblocked" in unblocked.json()["text"]
    assert audit == ["unblock", "block", "block"]


async def test_budget_changes_todays_cap(slack_settings: SettingsFactory, clock: FakeClock) -> None:
    async with running_app(slack_settings(), clock) as (_, client):
        answer = await command(client, clock, "/antirelous budget 0,16")
        first = await post_signed(client, SMS, message_fields(new_number()))
        second = await post_signed(client, SMS, message_fields(new_number()))
        status = await command(client, clock, "/antirelous status")
        refused = await command(client, clock, "/antirelous budget lots")
    assert "0.16 EUR" in answer.json()["text"]
    assert "<Message>" in first.text and "<Message>" not in second.text
    assert "0.16 of 0.16 EUR" in status.json()["text"]
    assert "today's cap in euros" in refused.json()["text"]


async def test_help_lists_every_command(slack_settings: SettingsFactory, clock: FakeClock) -> None:
    async with running_app(slack_settings(), clock) as (_, client):
        answer = (await command(client, clock, "/antirelous")).json()
    for word in ("/pause", "/resume", "status", "block", "unblock", "budget"):
        assert word in answer["text"]


async def test_the_manifest_declares_exactly_our_commands_scopes_and_routes(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    manifest = json.loads(MANIFEST.read_text())
    commands = manifest["features"]["slash_commands"]
    assert tuple(c["command"] for c in commands) == COMMANDS
    assert "/status" not in {c["command"] for c in commands}  # Slack reserves it
    urls = {c["url"] for c in commands} | {manifest["settings"]["interactivity"]["request_url"]}
    async with running_app(slack_settings(), clock) as (app, _):
        routes = {getattr(route, "path", "") for route in app.routes}
    assert {url.removeprefix("https://YOUR-PUBLIC-URL") for url in urls} <= routes
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])


async def test_a_pause_survives_a_restart_and_ends_on_time(
    slack_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(slack_settings(), clock) as (_, client):
        await command(client, clock, "/pause sms 1h")
    async with running_app(slack_settings(), clock) as (_, client):
        during = await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=1))
        after = await post_signed(client, SMS, message_fields(new_number()))
    assert "<Message>" not in during.text and "<Message>" in after.text
