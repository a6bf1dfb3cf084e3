"""The Twilio Messaging webhooks through their routes, signed with the real RequestValidator."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI

from storage.stats import collect_stats
from tests.conftest import SettingsFactory
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, new_number, new_sid, post_signed, sign

SMS = "/webhooks/twilio/sms"
WHATSAPP = "/webhooks/twilio/whatsapp"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'


def stats(app: FastAPI, clock: FakeClock) -> dict[str, Any]:
    return collect_stats(app.state.engine, clock().date(), 20_000_000)


async def test_a_first_contact_gets_the_consent_reply_as_twiml(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        response = await post_signed(client, SMS, message_fields(new_number()))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.count("<Message>") == 1
    assert "Message automatique" in response.text
    assert "consentement" in response.text


async def test_the_same_sender_within_the_window_gets_an_empty_answer(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    sender = new_number()
    async with running_app(make_settings(), clock) as (app, client):
        await post_signed(client, SMS, message_fields(sender))
        second = await post_signed(client, SMS, message_fields(sender, "Réponds !"))
        figures = stats(app, clock)
    assert second.text == EMPTY
    assert (figures["inbound"], figures["replies"]) == (2, 1)
    assert figures["spend_eur"] == pytest.approx(0.16)


async def test_the_reply_follows_the_locale_and_channel(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(locale="en"), clock) as (app, client):
        response = await post_signed(
            client, WHATSAPP, message_fields(new_number(), channel="whatsapp")
        )
        figures = stats(app, clock)
    assert "Automatic message" in response.text
    assert figures["channels"]["whatsapp"]["replies"] == 1
    assert figures["channels"]["whatsapp"]["spend_eur"] == pytest.approx(0.03)


async def test_twenty_concurrent_redeliveries_get_identical_answers_counted_once(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    fields = message_fields(new_number())
    async with running_app(make_settings(), clock) as (app, client):
        responses = await asyncio.gather(*(post_signed(client, SMS, fields) for _ in range(20)))
        figures = stats(app, clock)
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    assert "<Message>" in responses[0].text
    assert (figures["inbound"], figures["replies"]) == (1, 1)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}],
    ids=["missing", "forged"],
)
async def test_an_unsigned_or_forged_request_is_refused_and_nothing_is_stored(
    make_settings: SettingsFactory, clock: FakeClock, headers: dict[str, str]
) -> None:
    fields = message_fields(new_number())
    async with running_app(make_settings(), clock) as (app, client):
        response = await client.post(
            SMS,
            content=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        figures = stats(app, clock)
    assert response.status_code == 403
    assert figures["inbound"] == 0


async def test_a_signature_for_another_route_or_body_is_refused(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    fields = message_fields(new_number())
    async with running_app(make_settings(), clock) as (_, client):
        other_route = await client.post(
            SMS,
            content=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign("https://antirelous.example" + WHATSAPP, fields),
            },
        )
        tampered = dict(fields, Body="autre chose")
        other_body = await client.post(
            SMS,
            content=urlencode(tampered),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign("https://antirelous.example" + SMS, fields),
            },
        )
    assert (other_route.status_code, other_body.status_code) == (403, 403)


async def test_the_query_string_is_part_of_the_signed_url(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    fields = message_fields(new_number())
    async with running_app(make_settings(), clock) as (_, client):
        response = await post_signed(client, SMS + "?line=paris", fields)
    assert response.status_code == 200 and "<Message>" in response.text


async def test_twilio_fields_added_without_notice_are_covered_by_the_signature(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    fields = message_fields(new_number(), FromCity="PARIS", MessagingServiceSid="MG" + "1" * 32)
    async with running_app(make_settings(), clock) as (_, client):
        response = await post_signed(client, SMS, fields)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"twilio_auth_token": None}, "TWILIO_AUTH_TOKEN"),
        ({"public_url": None}, "ANTIRELOUS_PUBLIC_URL"),
    ],
)
async def test_an_unconfigured_line_answers_503_naming_the_setting(
    make_settings: SettingsFactory, clock: FakeClock, overrides: dict[str, Any], setting: str
) -> None:
    async with running_app(make_settings(**overrides), clock) as (app, client):
        response = await post_signed(client, SMS, message_fields(new_number()))
        figures = stats(app, clock)
    assert response.status_code == 503
    assert setting in response.json()["detail"]
    assert figures["inbound"] == 0


async def test_dev_mode_accepts_unsigned_requests_and_warns_each_time(
    make_settings: SettingsFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(twilio_auth_token=None, public_url=None)
    caplog.set_level(logging.WARNING, logger="antirelous")
    async with running_app(settings, clock, dev=True) as (_, client):
        for _ in range(2):
            response = await client.post(SMS, data=message_fields(new_number()))
            assert "<Message>" in response.text
    warnings = [r for r in caplog.records if "without a signature check" in r.getMessage()]
    assert len(warnings) == 2


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded"])
async def test_dev_mode_refuses_requests_that_came_through_a_proxy(
    make_settings: SettingsFactory, clock: FakeClock, header: str
) -> None:
    async with running_app(make_settings(), clock, dev=True) as (app, client):
        response = await client.post(
            SMS, data=message_fields(new_number()), headers={header: "for=203.0.113.9"}
        )
        figures = stats(app, clock)
    assert response.status_code == 403
    assert figures["inbound"] == 0


@pytest.mark.parametrize(
    ("drop", "reason"),
    [("From", "From"), ("MessageSid", "MessageSid"), ("To", "To")],
)
async def test_a_message_missing_a_field_is_malformed(
    make_settings: SettingsFactory, clock: FakeClock, drop: str, reason: str
) -> None:
    sender = new_number()
    fields = message_fields(sender)
    del fields[drop]
    async with running_app(make_settings(), clock) as (_, client):
        response = await post_signed(client, SMS, fields)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert sender.removeprefix("+") not in response.text


async def test_a_body_that_is_not_a_form_is_malformed(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        response = await client.post(
            SMS, json={"From": "+33612345678"}, headers={"X-Twilio-Signature": "x"}
        )
    assert response.status_code == 400
    assert "612345678" not in response.text


async def test_a_body_over_64_kib_is_refused_with_413(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    fields = message_fields(new_number(), "x" * (65 * 1024))
    async with running_app(make_settings(), clock) as (app, client):
        response = await post_signed(client, SMS, fields)
        figures = stats(app, clock)
    assert response.status_code == 413
    assert figures["inbound"] == 0


async def test_stop_on_sms_silences_whatsapp_until_start(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    number = new_number()
    async with running_app(make_settings(), clock) as (_, client):
        stop = await post_signed(client, SMS, message_fields(number, "STOP"))
        silenced = await post_signed(client, WHATSAPP, message_fields(number, channel="whatsapp"))
        start = await post_signed(client, SMS, message_fields(number, "START"))
        answered = await post_signed(client, WHATSAPP, message_fields(number, channel="whatsapp"))
    assert [stop.text, silenced.text, start.text] == [EMPTY] * 3
    assert "<Message>" in answered.text


@pytest.mark.parametrize(
    ("sender", "body", "num_media", "answered"),
    [
        ("+14155550100", "hi", 0, False),  # another country than the receiving number's
        ("INFOS", "Promo", 0, False),  # alphanumeric sender id
        ("36180", "Code 1234", 0, False),  # short code
        ("+33611111111", "", 0, False),  # empty
        ("+33622222222", "", 1, True),  # a photo alone is a message
    ],
)
async def test_who_is_never_answered_is_still_stored(
    make_settings: SettingsFactory,
    clock: FakeClock,
    sender: str,
    body: str,
    num_media: int,
    answered: bool,
) -> None:
    async with running_app(make_settings(), clock) as (app, client):
        response = await post_signed(client, SMS, message_fields(sender, body, num_media=num_media))
        figures = stats(app, clock)
    assert response.status_code == 200
    assert ("<Message>" in response.text) is answered
    assert figures["inbound"] == 1


async def test_reply_countries_widen_who_is_answered(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(reply_countries="33,1"), clock) as (_, client):
        response = await post_signed(client, SMS, message_fields("+14155550100", "hi"))
    assert "<Message>" in response.text


async def test_the_window_survives_a_restart(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    sender = new_number()
    async with running_app(make_settings(), clock) as (_, client):
        first = await post_signed(client, SMS, message_fields(sender))
    async with running_app(make_settings(), clock) as (_, client):
        second = await post_signed(client, SMS, message_fields(sender, sid=new_sid()))
    assert "<Message>" in first.text
    assert second.text == EMPTY


async def test_the_budget_stops_paid_replies_for_the_day(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(daily_budget_eur="0.32"), clock) as (app, client):
        answers = [
            (await post_signed(client, SMS, message_fields(new_number()))).text for _ in range(4)
        ]
        figures = stats(app, clock)
    assert [("<Message>" in a) for a in answers] == [True, True, False, False]
    assert figures["today"]["spend_eur"] == pytest.approx(0.32)


async def test_inbound_costs_are_estimated_apart_from_replies(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(sms_inbound_eur="0.0075"), clock) as (app, client):
        await post_signed(client, SMS, message_fields(new_number(), NumSegments="2"))
        figures = stats(app, clock)
    assert figures["inbound_spend_eur"] == pytest.approx(0.015)
    assert figures["spend_eur"] == pytest.approx(0.16)


async def test_an_unexpected_method_is_not_a_server_error(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(), clock) as (_, client):
        response = await client.get(SMS)
    assert response.status_code == 405
