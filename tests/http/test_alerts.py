"""Alerts: stored first, posted to Slack with buttons, coalesced, late if Slack is down."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import SettingsFactory
from tests.fakes.http_recorder import Recorder
from tests.fakes.slack_server import FakeSlack
from tests.http.test_slack import ADMIN, OTHER, SIGNING_SECRET, signed_headers
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, post_signed

BOT_TOKEN = "xoxb-0000-fake"
CHANNEL = "C0ALERTS"


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    fake = FakeSlack(BOT_TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def alert_settings(make_settings: SettingsFactory, slack_api: FakeSlack) -> SettingsFactory:
    def factory(**overrides: Any) -> Any:
        values = {
            "slack_bot_token": BOT_TOKEN,
            "slack_alert_channel": CHANNEL,
            "slack_api_url": slack_api.api_url,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_admin_users": ADMIN,
        }
        return make_settings(**values | overrides)

    return factory


async def deliver(app: FastAPI) -> dict[str, int]:
    return dict(await asyncio.to_thread(app.state.alert_delivery.run_once))


def flood(app: FastAPI, clock: FakeClock, count: int) -> None:
    app.state.alerts.raise_alert("flood", "flood:sms", f"SMS flood: {count} messages/min", clock())


async def test_an_alert_is_posted_with_buttons_that_work(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with running_app(alert_settings(), clock) as (app, _):
        flood(app, clock, 300)
        assert await deliver(app) == {"posted": 1}
        assert await deliver(app) == {}
    (post,) = slack_api.called("chat.postMessage")
    assert post["channel"] == CHANNEL and "300 messages/min" in post["text"]
    buttons = post["blocks"][1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("pause", "sms"), ("resume", "sms")]


async def test_a_flood_is_one_message_updated_in_place_and_one_post_a_minute_at_most(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with running_app(alert_settings(), clock) as (app, _):
        flood(app, clock, 100)
        await deliver(app)
        for count in (200, 300, 400):
            clock.advance(timedelta(seconds=15))
            flood(app, clock, count)
            assert await deliver(app) == {"updated": 1}
        clock.advance(timedelta(seconds=61))
        flood(app, clock, 500)
        assert await deliver(app) == {"posted": 1}
    posts, updates = slack_api.called("chat.postMessage"), slack_api.called("chat.update")
    assert len(posts) == 2 and len(updates) == 3
    assert {update["ts"] for update in updates} == {"1795900000.000001"}  # the first post
    assert "(×4)" in updates[-1]["blocks"][0]["text"]["text"]


async def test_alerts_wait_while_slack_is_down_and_go_when_it_is_back(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with running_app(alert_settings(), clock) as (app, _):
        slack_api.down = True
        flood(app, clock, 100)
        app.state.alerts.raise_alert("budget", "budget:50", "Half of today's budget spent", clock())
        assert await deliver(app) == {"waiting": 1}
        slack_api.down = False
        assert await deliver(app) == {"posted": 2}
    assert len(slack_api.called("chat.postMessage")) == 2


async def test_a_threat_is_never_coalesced_nor_posted_but_shown_to_an_admin(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    threat = "Je sais où tu habites"
    async with running_app(alert_settings(), clock) as (app, client):
        await post_signed(client, "/webhooks/twilio/sms", message_fields("+33633333334", threat))
        with app.state.engine.connect() as connection:
            message_id = connection.execute(text("SELECT id FROM message")).scalar_one()
        ids = [
            app.state.alerts.raise_alert(
                "threat",
                f"threat:{i}",
                "Threat received on sms",
                clock(),
                coalesce=False,
                message_id=message_id,
            )
            for i in range(2)
        ]
        assert await deliver(app) == {"posted": 2}
        answers = {}
        for user in (OTHER, ADMIN):
            recorder = Recorder()
            payload = {
                "type": "block_actions",
                "user": {"id": user},
                "response_url": recorder.url,
                "actions": [{"action_id": "show_threat", "value": str(ids[0])}],
            }
            body = urlencode({"payload": json.dumps(payload)})
            await client.post(
                "/slack/interactions", content=body, headers=signed_headers(body, clock)
            )
            assert await asyncio.to_thread(recorder.received.wait, 5)
            answers[user] = recorder.posts[0]
            recorder.close()
    posted = json.dumps(slack_api.called("chat.postMessage"))
    assert "habites" not in posted
    assert answers[OTHER]["text"].startswith("Only the admins")
    assert answers[ADMIN]["response_type"] == "ephemeral" and threat in answers[ADMIN]["text"]


async def test_without_slack_alerts_go_to_the_log(
    make_settings: SettingsFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="antirelous.alerts")
    async with running_app(make_settings(), clock) as (app, _):
        flood(app, clock, 42)
        assert await deliver(app) == {"logged": 1}
    assert "SMS flood: 42 messages/min" in caplog.text


async def test_an_alert_another_replica_is_delivering_is_not_posted_twice(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    async with running_app(alert_settings(), clock) as (app, _):
        flood(app, clock, 100)
        app.state.alerts.claim_pending(clock())  # another replica took it, then died
        assert await deliver(app) == {}
        clock.advance(timedelta(seconds=31))  # its claim ran out
        assert await deliver(app) == {"posted": 1}
    assert len(slack_api.called("chat.postMessage")) == 1
