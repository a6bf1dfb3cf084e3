"""Calls through the signed Voice webhook, in both modes, with the SMS that follows a busy call
sent to the fake Twilio REST server."""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from replies.types import Channel
from storage.control_repository import ControlRepository
from storage.stats import collect_stats
from tests.conftest import SettingsFactory
from tests.fakes.twilio_server import FakeTwilio
from tests.http.test_outbox import twilio as twilio  # a fixture
from tests.http.test_slack import ADMIN, SIGNING_SECRET, command
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import (
    ACCOUNT_SID,
    OUR_NUMBER,
    message_fields,
    new_number,
    post_signed,
)

VOICE, SMS = "/webhooks/twilio/voice", "/webhooks/twilio/sms"
BUSY = '<Response><Reject reason="busy" /></Response>'
LANDLINE = "+33144556677"  # Paris, 01: no SMS reaches it


def call_fields(caller: str, sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts when a call comes in (caller names and places left out)."""
    return {
        "CallSid": sid or "CA" + secrets.token_hex(16),
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": OUR_NUMBER,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }


async def call(client: httpx.AsyncClient, caller: str, sid: str | None = None) -> str:
    answer = await post_signed(client, VOICE, call_fields(caller, sid))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    return answer.text


def count_messages(app: FastAPI) -> int:
    with app.state.engine.connect() as connection:
        return int(connection.execute(text("SELECT COUNT(*) FROM message")).scalar_one())


async def send_outbox(app: FastAPI, clock: FakeClock) -> None:
    """Past the longest delay (60 minutes), within the five minutes' grace."""
    clock.advance(timedelta(minutes=61))
    await asyncio.to_thread(app.state.outbox_worker.run_once)


@pytest.fixture
def busy_settings(make_settings: SettingsFactory, twilio: FakeTwilio) -> SettingsFactory:
    def factory(**overrides: Any) -> Any:
        values = {
            "reply_delay": "20m-60m",
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_api_url": twilio.url,
        }
        return make_settings(**values | overrides)

    return factory


async def test_a_first_call_is_busy_and_the_caller_gets_the_sms_later(
    busy_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio, database_url: str
) -> None:
    caller = new_number()
    async with running_app(busy_settings(database_url=database_url), clock) as (app, client):
        first = await call(client, caller)
        again = await call(client, caller)  # calls back at once: busy again, no second SMS
        assert twilio.messages == []  # nothing before the delay
        await send_outbox(app, clock)
    assert BUSY in first and BUSY in again
    [sms] = twilio.messages
    assert (sms["To"], sms["From"]) == (caller, OUR_NUMBER)
    assert sms["Body"].startswith("Message automatique")


async def test_a_redelivered_call_is_answered_the_same_and_stored_once(
    busy_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    caller, sid = new_number(), "CA" + secrets.token_hex(16)
    async with running_app(busy_settings(), clock) as (app, client):
        answers = await asyncio.gather(*(call(client, caller, sid) for _ in range(5)))
        await send_outbox(app, clock)
        stored = count_messages(app)
    assert set(answers) == {answers[0]}
    assert stored == 1
    assert len(twilio.messages) == 1


async def test_a_caller_who_texted_first_gets_no_second_sms(
    busy_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    caller = new_number()
    async with running_app(busy_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(caller))
        await call(client, caller)
        await send_outbox(app, clock)
    assert len(twilio.messages) == 1  # the SMS channel's window: one reply


async def test_a_landline_caller_hears_busy_and_gets_nothing(
    busy_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with running_app(busy_settings(), clock) as (app, client):
        answer = await call(client, LANDLINE)
        await send_outbox(app, clock)
    assert BUSY in answer
    assert twilio.messages == []


async def test_paused_voice_or_paused_sms_means_busy_and_no_sms(
    busy_settings: SettingsFactory, clock: FakeClock, twilio: FakeTwilio
) -> None:
    async with running_app(busy_settings(), clock) as (app, client):
        controls = ControlRepository(app.state.engine)
        controls.pause([Channel.VOICE], now=clock(), by="test")
        await call(client, new_number())
        controls.resume([Channel.VOICE], now=clock(), by="test")
        controls.pause([Channel.SMS], now=clock(), by="test")
        await call(client, new_number())
        controls.resume([Channel.SMS], now=clock(), by="test")
        queued_then_paused = new_number()
        await call(client, queued_then_paused)
        controls.pause([Channel.SMS], now=clock(), by="test")  # before the SMS is due
        await send_outbox(app, clock)
    assert twilio.messages == []


async def test_in_say_mode_a_first_call_hears_the_message_and_a_repeat_call_is_busy(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    settings = make_settings(voice_mode="say", reply_delay="20m-60m")
    caller = new_number()
    async with running_app(settings, clock) as (app, client):
        first = await call(client, caller)
        again = await call(client, caller)
        ControlRepository(app.state.engine).pause([Channel.VOICE], now=clock(), by="test")
        paused = await call(client, new_number())
        stats = collect_stats(app.state.engine, clock().date(), 0)["channels"]["voice"]
    assert '<Say language="fr-FR">Bonjour. Ceci est un message automatique.' in first
    assert first.endswith("<Hangup /></Response>")
    assert BUSY in again and BUSY in paused
    assert (stats["inbound"], stats["replies"], stats["spend_eur"]) == (3, 1, 0.1)


async def test_say_mode_can_play_a_recording_and_speaks_the_configured_locale(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    audio = "https://antirelous.example/consent.mp3"
    async with running_app(make_settings(voice_mode="say", locale="en"), clock) as (_, client):
        spoken = await call(client, new_number())
    async with running_app(make_settings(voice_mode="say", voice_audio_url=audio), clock) as (
        _,
        client,
    ):
        played = await call(client, new_number())
    assert '<Say language="en-GB">Hello.' in spoken
    assert f"<Play>{audio}</Play><Hangup />" in played


async def test_calls_are_held_to_the_budget_at_the_price_of_a_minute(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    settings = make_settings(voice_mode="say", daily_budget_eur="0.25", voice_minute_eur="0.10")
    async with running_app(settings, clock) as (_, client):
        answers = [await call(client, new_number()) for _ in range(3)]
    assert ["<Say" in answer for answer in answers] == [True, True, False]


async def test_a_forged_call_is_refused_and_nothing_is_stored(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(voice_mode="say"), clock) as (app, client):
        forged = await post_signed(client, VOICE, call_fields(new_number()), token="0" * 32)
        malformed = await post_signed(client, VOICE, call_fields(new_number(), sid="CA-nope"))
        stored = count_messages(app)
    assert forged.status_code == 403
    assert malformed.status_code == 400
    assert stored == 0


async def test_voice_is_paused_from_slack_and_a_burst_of_calls_is_alerted(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    settings = make_settings(
        voice_mode="say", slack_signing_secret=SIGNING_SECRET, slack_admin_users=ADMIN
    )
    async with running_app(settings, clock) as (app, client):
        paused = await command(client, clock, "/pause voice")
        during = await call(client, new_number())
        await command(client, clock, "/resume voice")
        for _ in range(40):
            await call(client, new_number())
        await asyncio.to_thread(app.state.spike_watch.run_once)
        with app.state.engine.connect() as connection:
            keys = connection.execute(text("SELECT key FROM alert")).scalars().all()
    assert "voice" in paused.json()["text"]
    assert BUSY in during
    assert any(key.startswith("spike:voice:") for key in keys)
