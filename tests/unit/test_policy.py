"""The pure rules that refuse a reply before any claim."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from replies.numbers import calling_code, parse_calling_codes
from replies.policy import Keyword, SenderFacts, keyword, refusal
from replies.types import Channel, Inbound, Label, Outcome

FIRST_CONTACT = Inbound(
    channel=Channel.SMS,
    provider_id="SM" + "0" * 32,
    sender_address="+33612345678",
    receiver="+33700000001",
    body="Salut, tu te souviens de moi ?",
    media_count=0,
    segments=1,
    received_at=datetime(2026, 11, 28, tzinfo=UTC),
)
FREE = SenderFacts(opted_out=False)


@pytest.mark.parametrize("body", ["STOP", "stop", " Stop. ", "ARRÊT", "arret!", "Unsubscribe"])
def test_opt_out_words_are_recognised_in_any_case_and_accent(body: str) -> None:
    assert keyword(body) is Keyword.OPT_OUT


@pytest.mark.parametrize("body", ["START", "start", "Unstop"])
def test_opt_in_words_are_recognised(body: str) -> None:
    assert keyword(body) is Keyword.OPT_IN


@pytest.mark.parametrize("body", ["stop harcelement", "don't stop", "starting", "", "STOPPE"])
def test_only_a_whole_message_is_a_keyword(body: str) -> None:
    assert keyword(body) is None


def test_a_genuine_first_contact_may_be_answered() -> None:
    assert refusal(FIRST_CONTACT, Label.OK, FREE, None) is None


def test_stop_is_honoured_even_from_a_sender_who_opted_out_before() -> None:
    stop = replace(FIRST_CONTACT, body="STOP")
    assert refusal(stop, Label.OK, SenderFacts(opted_out=True), None) is Outcome.OPT_OUT


def test_an_opted_out_sender_gets_nothing() -> None:
    assert refusal(FIRST_CONTACT, Label.OK, SenderFacts(opted_out=True), None) is Outcome.OPTED_OUT


@pytest.mark.parametrize("sender", ["ALERTES", "36180", "anonymous", "+", "+0612345678"])
def test_senders_without_an_international_number_are_never_answered(sender: str) -> None:
    inbound = replace(FIRST_CONTACT, sender_address=sender)
    assert refusal(inbound, Label.OK, FREE, None) is Outcome.NO_NUMBER


def test_by_default_only_the_receiving_numbers_country_is_answered() -> None:
    belgian = replace(FIRST_CONTACT, sender_address="+32470123456")
    assert refusal(belgian, Label.OK, FREE, None) is Outcome.COUNTRY
    assert refusal(belgian, Label.OK, FREE, frozenset({33, 32})) is None


def test_an_empty_message_gets_nothing_but_a_photo_alone_does() -> None:
    empty = replace(FIRST_CONTACT, body="  ")
    assert refusal(empty, Label.OK, FREE, None) is Outcome.EMPTY
    assert refusal(replace(empty, media_count=1), Label.OK, FREE, None) is None


@pytest.mark.parametrize("label", [Label.INSULT, Label.THREAT])
def test_abuse_is_never_answered(label: Label) -> None:
    assert refusal(FIRST_CONTACT, label, FREE, None) is Outcome.ABUSIVE


@pytest.mark.parametrize(
    ("number", "code"),
    [("+33612345678", 33), ("+14155550100", 1), ("+447700900123", 44), ("+35312345678", 353)],
)
def test_calling_codes_come_from_the_numbering_plan(number: str, code: int) -> None:
    assert calling_code(number) == code


def test_reply_countries_are_parsed_and_checked() -> None:
    assert parse_calling_codes("33, +32,41") == frozenset({33, 32, 41})
    with pytest.raises(ValueError, match="999"):
        parse_calling_codes("33,999")


def test_a_paused_channel_answers_nobody_but_still_honours_stop() -> None:
    paused = SenderFacts(opted_out=False, paused=True)
    assert refusal(FIRST_CONTACT, Label.OK, paused, None) is Outcome.PAUSED
    assert refusal(replace(FIRST_CONTACT, body="STOP"), Label.OK, paused, None) is Outcome.OPT_OUT


@pytest.mark.parametrize(
    ("text", "minutes"), [("90s", 1.5), ("30m", 30), ("2h", 120), ("1d", 1440), ("1h30m", 90)]
)
def test_durations_read_as_operators_type_them(text: str, minutes: float) -> None:
    from replies.durations import parse_duration

    assert parse_duration(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["", "soon", "30", "m30", "0m", "-5m", "2x"])
def test_a_bad_duration_says_what_is_expected(text: str) -> None:
    from replies.durations import parse_duration

    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_a_telegram_sender_has_no_number_and_needs_none() -> None:
    telegram = replace(
        FIRST_CONTACT, channel=Channel.TELEGRAM, sender_address="tg:42", receiver="bot"
    )
    assert refusal(telegram, Label.OK, FREE, None) is None


def test_an_edited_message_is_never_answered_not_even_an_edit_to_stop() -> None:
    assert refusal(replace(FIRST_CONTACT, edited=True), Label.OK, FREE, None) is Outcome.EDITED
    edited_stop = replace(FIRST_CONTACT, body="STOP", edited=True)
    assert refusal(edited_stop, Label.OK, FREE, None) is Outcome.EDITED


def test_telegram_commands_stop_but_start_is_a_first_contact() -> None:
    assert keyword("/stop") is Keyword.OPT_OUT
    assert keyword("/start") is None
