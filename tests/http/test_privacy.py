"""No raw sender number, and no profile name, in the database files or the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.conftest import SettingsFactory
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, post_signed

NUMBERS = ["+33611223344", "+33655667788", "+14155550123"]
PROFILE = "Camille Harceleur"


def _digits(number: str) -> str:
    return number.removeprefix("+")[-9:]  # the national significant part, in any format


def _database_bytes(folder: Path) -> bytes:
    """The database, its WAL and shared-memory files, as the disk holds them."""
    return b"".join(path.read_bytes() for path in folder.glob("antirelous.db*"))


async def test_nothing_identifies_a_sender_after_a_busy_run(
    make_settings: SettingsFactory,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running_app(make_settings(), clock) as (_, client):
        for number in NUMBERS:
            for body in ("Salut", "Réponds", "STOP", "START"):
                await post_signed(client, "/webhooks/twilio/sms", message_fields(number, body))
            await post_signed(
                client,
                "/webhooks/twilio/whatsapp",
                message_fields(number, channel="whatsapp", ProfileName=PROFILE),
            )
            malformed = message_fields(number)
            del malformed["MessageSid"]
            await post_signed(client, "/webhooks/twilio/sms", malformed)
    stored = _database_bytes(tmp_path)
    assert b"700000001" in stored, "the scan must see the data: our own number is kept"
    logs = caplog.text
    for number in NUMBERS:
        assert _digits(number).encode() not in stored
        assert _digits(number) not in logs
    assert PROFILE.encode() not in stored and PROFILE not in logs
