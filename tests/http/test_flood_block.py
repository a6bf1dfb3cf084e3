"""Flooding senders are blocked automatically, and what they send is kept sealed as evidence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from replies.evidence import EvidenceOpener, EvidenceReason, new_key_pair
from replies.pseudonyms import public_ref
from storage.engine import create_db_engine
from storage.stats import collect_stats
from storage.tables import AuditEntry, Block, Evidence, Message
from tests.conftest import SettingsFactory
from tests.http.test_slack import ADMIN, SIGNING_SECRET, command
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, new_number, post_signed

SMS = "/webhooks/twilio/sms"


async def send(client: httpx.AsyncClient, sender: str, body: str = "Salut") -> str:
    answer = await post_signed(client, SMS, message_fields(sender, body))
    assert answer.status_code == 200
    return answer.text


def rows(url: str, table: type) -> list[Any]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(table.__table__)).all())  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def database_bytes(sqlite_url: str) -> bytes:
    """The SQLite file and its WAL, as anyone who copied them would have them."""
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_the_eleventh_message_in_five_minutes_blocks_the_sender_for_a_day(
    make_settings: SettingsFactory, clock: FakeClock, database_url: str
) -> None:
    flooder, bystander = new_number(), new_number()
    async with running_app(make_settings(database_url=database_url), clock) as (_, client):
        assert "<Message>" in await send(client, flooder)
        for _ in range(9):
            clock.advance(timedelta(seconds=20))
            await send(client, flooder, "réponds")
        clock.advance(timedelta(seconds=20))
        await send(client, flooder, "réponds !!")  # the eleventh within 3 min 40 s
        clock.advance(timedelta(hours=23))
        await send(client, flooder, "toujours là")  # still blocked, though quiet for hours
        assert "<Message>" in await send(client, bystander)
        clock.advance(timedelta(hours=2))
        await send(client, flooder, "et maintenant ?")  # the block is over: window still open

    outcomes = [row.outcome for row in rows(database_url, Message)]
    assert outcomes.count("blocked") == 2
    assert outcomes.count("window_open") == 10
    [block] = rows(database_url, Block)
    assert (block.automatic, block.blocked_by) == (True, "auto")
    assert block.until - block.blocked_at == timedelta(hours=24)
    [audit] = rows(database_url, AuditEntry)
    assert (audit.actor, audit.action) == ("auto", "block")
    assert "more than 10 messages in 0:05:00" in audit.detail


async def test_messages_spread_beyond_the_period_never_block(
    make_settings: SettingsFactory, clock: FakeClock, sqlite_url: str
) -> None:
    sender = new_number()
    async with running_app(make_settings(), clock) as (_, client):
        for _ in range(30):
            await send(client, sender)
            clock.advance(timedelta(seconds=31))  # ten messages take more than five minutes
    assert rows(sqlite_url, Block) == []


async def test_the_limit_is_a_setting_and_can_be_turned_off(
    make_settings: SettingsFactory, clock: FakeClock, sqlite_url: str
) -> None:
    strict, lenient = new_number(), new_number()
    async with running_app(make_settings(flood_block="3/1m"), clock) as (_, client):
        for _ in range(4):
            await send(client, strict)
    async with running_app(make_settings(flood_block="off"), clock) as (_, client):
        for _ in range(40):
            await send(client, lenient)
    assert len(rows(sqlite_url, Block)) == 1


async def test_an_admin_lifts_an_automatic_block_from_slack(
    make_settings: SettingsFactory, clock: FakeClock, sqlite_url: str
) -> None:
    flooder = new_number()
    settings = make_settings(
        flood_block="2/1m", slack_signing_secret=SIGNING_SECRET, slack_admin_users=ADMIN
    )
    async with running_app(settings, clock) as (app, client):
        for _ in range(3):
            await send(client, flooder)
        [block] = rows(sqlite_url, Block)
        figures = collect_stats(app.state.engine, clock().date(), 0)
        answer = await command(client, clock, f"/antirelous unblock {public_ref(block.sender)}")
        clock.advance(timedelta(minutes=2))
        await send(client, flooder, "pardon")
    assert figures["channels"]["sms"]["today"]["blocked"] == 1  # counted, never answered
    assert "Unblocked" in answer.json()["text"]
    assert rows(sqlite_url, Block) == []
    last = max(rows(sqlite_url, Message), key=lambda row: row.id)
    assert last.outcome == "window_open"  # answered once already, no longer blocked


async def test_a_flooders_messages_are_sealed_to_the_evidence_key_and_nothing_else_is(
    make_settings: SettingsFactory, clock: FakeClock, database_url: str
) -> None:
    private, public = new_key_pair()
    flooder, person = new_number(), new_number()
    settings = make_settings(database_url=database_url, evidence_public_key=public)
    async with running_app(settings, clock) as (_, client):
        await send(client, person, "Bonjour")
        for index in range(12):
            await send(client, flooder, f"message {index}")

    evidence = rows(database_url, Evidence)
    assert len(evidence) == 2  # the 11th and 12th: the first ten were not a flood yet
    opener = EvidenceOpener(private)
    records = [opener.open(row.sealed) for row in evidence]
    assert {r.sender_address for r in records} == {flooder}
    assert [r.text for r in records] == ["message 10", "message 11"]
    assert {r.reason for r in records} == {EvidenceReason.FLOODING_SENDER.value}
    assert all(r.provider_id.startswith("SM") and r.receiver for r in records)


async def test_without_an_evidence_key_no_address_is_kept(
    make_settings: SettingsFactory, clock: FakeClock, sqlite_url: str
) -> None:
    flooder = new_number()
    async with running_app(make_settings(), clock) as (_, client):
        for _ in range(12):
            await send(client, flooder)
    assert rows(sqlite_url, Evidence) == []
    assert flooder.encode() not in database_bytes(sqlite_url)
