"""The real twilio client against the fake REST API: what counts as sent, retried, unknown."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from channels.sending import SendOutcome
from channels.twilio_rest import TwilioSender
from replies.types import Channel
from tests.fakes.twilio_server import FakeTwilio, Scripted
from tests.support.twilio import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    yield fake
    fake.close()


def _sender(url: str, timeout_s: float = 2.0) -> TwilioSender:
    return TwilioSender(
        ACCOUNT_SID,
        AUTH_TOKEN,
        url,
        "https://antirelous.example/webhooks/twilio/status",
        timeout_s=timeout_s,
    )


def test_an_accepted_message_is_sent_with_its_sid(twilio: FakeTwilio) -> None:
    result = _sender(twilio.url).send(Channel.SMS, "+33612345678", OUR_NUMBER, "Bonjour")
    assert result.outcome is SendOutcome.SENT and result.provider_id
    (sent,) = twilio.messages
    assert (sent["To"], sent["From"], sent["Body"]) == ("+33612345678", OUR_NUMBER, "Bonjour")
    assert sent["StatusCallback"] == "https://antirelous.example/webhooks/twilio/status"


def test_whatsapp_addresses_carry_the_prefix(twilio: FakeTwilio) -> None:
    _sender(twilio.url).send(Channel.WHATSAPP, "+33612345678", OUR_NUMBER, "Bonjour")
    assert twilio.messages[0]["To"] == "whatsapp:+33612345678"
    assert twilio.messages[0]["From"] == "whatsapp:" + OUR_NUMBER


@pytest.mark.parametrize(
    ("scripted", "outcome", "error"),
    [
        (Scripted(429, 20429), SendOutcome.RETRY, "20429"),
        (Scripted(500, 20500), SendOutcome.UNKNOWN, "20500"),
        (Scripted(503), SendOutcome.UNKNOWN, "503"),
        (Scripted(400, 21211), SendOutcome.FAILED, "21211"),
    ],
)
def test_twilio_errors_are_told_apart(
    twilio: FakeTwilio, scripted: Scripted, outcome: SendOutcome, error: str
) -> None:
    twilio.script.append(scripted)
    result = _sender(twilio.url).send(Channel.SMS, "+33612345678", OUR_NUMBER, "Bonjour")
    assert (result.outcome, result.error) == (outcome, error)


def test_a_read_timeout_is_unknown_never_retried(twilio: FakeTwilio) -> None:
    twilio.script.append(Scripted(delay_s=1.5))
    result = _sender(twilio.url, timeout_s=0.5).send(
        Channel.SMS, "+33612345678", OUR_NUMBER, "Bonjour"
    )
    assert result.outcome is SendOutcome.UNKNOWN


def test_a_refused_connection_is_retried() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    result = _sender(f"http://127.0.0.1:{port}").send(
        Channel.SMS, "+33612345678", OUR_NUMBER, "Bonjour"
    )
    assert result.outcome is SendOutcome.RETRY
