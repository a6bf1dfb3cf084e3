"""Delayed replies: queued by the webhook, sent once by the outbox job, on an injected clock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from storage.outbox_repository import OutboxRepository
from storage.stats import collect_stats
from storage.tables import Message
from tests.conftest import SettingsFactory
from tests.fakes.twilio_server import FakeTwilio, Scripted
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    OUR_NUMBER,
    message_fields,
    new_number,
    post_signed,
)

SMS = "/webhooks/twilio/sms"
WHATSAPP = "/webhooks/twilio/whatsapp"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def outbox_settings(
    make_settings: SettingsFactory, twilio: FakeTwilio, database_url: str
) -> SettingsFactory:
    """A line with a delay and a Twilio account, on SQLite and on PostgreSQL."""

    def factory(**overrides: Any) -> Any:
        values = {
            "database_url": database_url,
            "reply_delay": "20m-60m",
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_api_url": twilio.url,
        }
        return make_settings(**values | overrides)

    return factory


@asynccontextmanager
async def line(settings: Any, clock: FakeClock) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_app(settings, clock) as (app, client):
        yield app, client


def run_outbox(app: FastAPI) -> dict[str, int]:
    return dict(app.state.outbox_worker.run_once())


def rows(app: FastAPI) -> list[Any]:
    table = Message.__table__  # type: ignore[attr-defined]
    with app.state.engine.connect() as connection:
        return list(connection.execute(select(table).order_by(table.c.id)))


def spend(app: FastAPI, clock: FakeClock) -> float:
    return float(collect_stats(app.state.engine, clock().date(), 20_000_000)["spend_eur"])


async def test_the_webhook_answers_empty_and_the_reply_goes_once_when_due(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    sender = new_number()
    async with line(outbox_settings(), clock) as (app, client):
        response = await post_signed(client, SMS, message_fields(sender))
        (row,) = rows(app)
        assert response.text == EMPTY
        assert timedelta(minutes=20) <= row.reply_due_at - row.received_at <= timedelta(hours=1)
        assert sender.encode() not in row.reply_recipient  # sealed, not in clear
        assert spend(app, clock) == 0  # the ledger counts a reply once it is sent
        clock.advance(timedelta(minutes=19))
        assert run_outbox(app) == {}
        clock.advance(timedelta(minutes=42))
        assert run_outbox(app) == {"sent": 1}
        assert run_outbox(app) == {}
        (row,) = rows(app)
    (message,) = twilio.messages
    assert (message["To"], message["From"]) == (sender, OUR_NUMBER)
    assert "Message automatique" in message["Body"]
    assert message["StatusCallback"] == "https://antirelous.example/webhooks/twilio/status"
    assert (row.reply_status, row.reply_recipient) == ("sent", None)
    assert row.reply_provider_id.startswith("SM")


async def test_a_queued_reply_keeps_the_window_and_a_redelivery_is_counted_once(
    outbox_settings: SettingsFactory, clock: FakeClock
) -> None:
    sender = new_number()
    fields = message_fields(sender)
    async with line(outbox_settings(), clock) as (app, client):
        first = await post_signed(client, SMS, fields)
        again = await post_signed(client, SMS, fields)
        second = await post_signed(client, SMS, message_fields(sender, "Allô ?"))
        statuses = [row.reply_status for row in rows(app)]
    assert first.text == again.text == second.text == EMPTY
    assert statuses == ["queued", None]


async def test_a_pause_at_send_time_drops_the_reply_and_gives_back_its_claims(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    from replies.types import Channel
    from storage.control_repository import ControlRepository

    sender = new_number()
    async with line(outbox_settings(daily_budget_eur="0.16"), clock) as (app, client):
        await post_signed(client, SMS, message_fields(sender))
        ControlRepository(app.state.engine).pause([Channel.SMS], now=clock(), by="cli:alice")
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {"dropped": 1}
        ControlRepository(app.state.engine).resume([Channel.SMS], now=clock(), by="cli:alice")
        # The window and the whole day's budget are free again: the sender is answered.
        later = await post_signed(client, SMS, message_fields(sender, "Tu es là ?"))
        dropped, queued = rows(app)
    assert twilio.messages == []
    assert (dropped.reply_status, dropped.reply_error, dropped.reply_recipient) == (
        "dropped",
        "paused",
        None,
    )
    assert later.text == EMPTY and queued.reply_status == "queued"


async def test_stop_before_the_reply_goes_drops_it(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    sender = new_number()
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(sender))
        await post_signed(client, WHATSAPP, message_fields(sender, "STOP", channel="whatsapp"))
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {"dropped": 1}
    assert twilio.messages == []


async def test_a_crash_between_sending_and_sent_never_resends(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=1))
        # A process claims the reply (marks it sending) and dies before recording anything.
        (claimed,) = OutboxRepository(app.state.engine).claim_due(clock())
        clock.advance(timedelta(minutes=3))
        assert run_outbox(app) == {"unknown": 1}
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {}
        (row,) = rows(app)
    assert twilio.messages == []
    assert (row.reply_status, row.reply_error) == ("unknown", "interrupted")
    assert claimed.id == row.id


async def test_after_a_restart_due_replies_go_and_stale_ones_are_dropped(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=2))
        await post_signed(client, SMS, message_fields(new_number()))
    clock.advance(timedelta(minutes=62))  # the process was down meanwhile
    async with line(outbox_settings(), clock) as (app, _):
        assert run_outbox(app) == {"sent": 1, "dropped": 1}
        expired, sent = rows(app)
    assert (expired.reply_status, expired.reply_error) == ("dropped", "expired")
    assert sent.reply_status == "sent" and len(twilio.messages) == 1


@pytest.mark.parametrize(
    ("scripted", "status", "counted"),
    [
        (Scripted(500, 20500), "unknown", 0.16),  # may have gone: counted, never resent
        (Scripted(400, 21211), "failed", 0.0),  # refused: nothing sent, budget given back
    ],
)
async def test_what_twilio_answers_settles_the_reply(
    outbox_settings: SettingsFactory,
    clock: FakeClock,
    twilio: FakeTwilio,
    scripted: Scripted,
    status: str,
    counted: float,
) -> None:
    twilio.script.append(scripted)
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {status: 1}
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {}
        (row,) = rows(app)
        assert spend(app, clock) == pytest.approx(counted)
    assert row.reply_status == status and len(twilio.messages) == 1


async def test_a_429_is_retried_later_and_sent_once(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    twilio.script.append(Scripted(429, 20429))
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {"retried": 1}
        assert run_outbox(app) == {}  # not before its backoff
        clock.advance(timedelta(seconds=31))
        assert run_outbox(app) == {"sent": 1}
    assert len(twilio.messages) == 2  # the refused attempt, then the one that went


async def test_a_whatsapp_reply_never_goes_later_than_23_hours(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with line(outbox_settings(reply_delay="20h-30h"), clock) as (app, client):
        await post_signed(client, WHATSAPP, message_fields(new_number(), channel="whatsapp"))
        (row,) = rows(app)
        assert row.reply_due_at - row.received_at <= timedelta(hours=23)
        clock.advance(timedelta(hours=23, minutes=1))
        assert run_outbox(app) == {"dropped": 1}
    assert twilio.messages == []


async def test_without_a_twilio_account_the_reply_is_logged_and_dropped(
    outbox_settings: SettingsFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    sender = new_number()
    caplog.set_level(logging.INFO, logger="antirelous")
    async with line(outbox_settings(twilio_account_sid=None), clock) as (app, client):
        await post_signed(client, SMS, message_fields(sender))
        clock.advance(timedelta(hours=1))
        assert run_outbox(app) == {"dropped": 1}
    assert "no account to send it with" in caplog.text
    assert sender.removeprefix("+") not in caplog.text


async def test_the_status_callback_records_the_real_price(
    outbox_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with line(outbox_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(hours=1))
        run_outbox(app)
        (row,) = rows(app)
        callback = {
            "MessageSid": row.reply_provider_id,
            "MessageStatus": "delivered",
            "AccountSid": ACCOUNT_SID,
            "Price": "-0.0750",
            "PriceUnit": "EUR",
            "NumSegments": "1",
        }
        forged = await client.post("/webhooks/twilio/status", data=callback)
        response = await post_signed(client, "/webhooks/twilio/status", callback)
        (row,) = rows(app)
        assert spend(app, clock) == pytest.approx(0.075)
    assert (forged.status_code, response.status_code) == (403, 204)
    assert (row.reply_delivery, row.reply_price_micro) == ("delivered", 75_000)


async def test_the_scheduler_of_serve_runs_the_outbox(
    outbox_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with running_app(outbox_settings(), clock, run_jobs=False) as (_, client):
        await post_signed(client, SMS, message_fields(new_number()))
    clock.advance(timedelta(hours=1))
    async with running_app(outbox_settings(), clock, run_jobs=True):
        for _ in range(100):  # the first run starts with the app
            if twilio.messages:
                break
            await asyncio.sleep(0.05)
    assert len(twilio.messages) == 1


async def test_the_scheduler_does_not_log_every_run(
    outbox_settings: SettingsFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_app(outbox_settings(), clock, run_jobs=True):
        await asyncio.sleep(0.3)  # the jobs run once at start
    assert "apscheduler" not in caplog.text
