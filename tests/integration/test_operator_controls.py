"""Operator controls: pauses, blocks and budget; stored, in force at once, audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from replies.types import Channel, Outcome
from storage import migrate
from storage.control_repository import ControlRepository
from storage.engine import create_db_engine
from storage.tables import Message
from tests.support.clock import FakeClock
from tests.support.responder import inbound, make_responder
from tests.support.twilio import new_number


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def test_a_paused_channel_stores_messages_and_answers_none(
    engine: Engine, clock: FakeClock
) -> None:
    ControlRepository(engine).pause([Channel.SMS], now=clock(), by="cli:alice")
    responder = make_responder(engine)
    number = new_number()
    assert responder.handle(inbound(number, clock())).outcome is Outcome.PAUSED
    whatsapp = inbound(number, clock(), channel=Channel.WHATSAPP)
    assert responder.handle(whatsapp).outcome is Outcome.REPLIED
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Message)).scalar_one() == 2


def test_stop_is_still_honoured_while_paused(engine: Engine, clock: FakeClock) -> None:
    ControlRepository(engine).pause(list(Channel), now=clock(), by="cli:alice")
    responder = make_responder(engine)
    number = new_number()
    assert responder.handle(inbound(number, clock(), "STOP")).outcome is Outcome.OPT_OUT
    ControlRepository(engine).resume(list(Channel), now=clock(), by="cli:alice")
    assert responder.handle(inbound(number, clock())).outcome is Outcome.OPTED_OUT


def test_a_timed_pause_ends_when_the_clock_passes_it(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    control.pause([Channel.SMS], now=clock(), by="cli:alice", until=clock() + timedelta(hours=1))
    responder = make_responder(engine)
    assert responder.handle(inbound(new_number(), clock())).outcome is Outcome.PAUSED
    clock.advance(timedelta(minutes=59))
    assert Channel.SMS in control.pauses(clock())
    clock.advance(timedelta(minutes=1))
    assert control.pauses(clock()) == {}
    assert responder.handle(inbound(new_number(), clock())).outcome is Outcome.REPLIED


def test_resume_one_channel_of_a_pause_of_all(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    control.pause(list(Channel), now=clock(), by="cli:alice")
    assert control.resume([Channel.WHATSAPP], now=clock(), by="cli:bob") == [Channel.WHATSAPP]
    assert set(control.pauses(clock())) == set(Channel) - {Channel.WHATSAPP}


def test_an_automatic_resume_lifts_only_automatic_pauses(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    control.pause([Channel.SMS], now=clock(), by="cli:alice")
    control.pause([Channel.WHATSAPP], now=clock(), by="auto", automatic=True)
    lifted = control.resume(list(Channel), now=clock(), by="auto", automatic_only=True)
    assert lifted == [Channel.WHATSAPP]
    assert set(control.pauses(clock())) == {Channel.SMS}


def test_who_paused_and_resumed_is_in_the_audit_log(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    control.pause([Channel.SMS], now=clock(), by="cli:alice", until=clock() + timedelta(hours=2))
    clock.advance(timedelta(minutes=5))
    control.resume([Channel.SMS], now=clock(), by="cli:bob")
    entries = control.audit_log()
    assert [(e.actor, e.action) for e in entries] == [("cli:bob", "resume"), ("cli:alice", "pause")]
    assert entries[1].detail.startswith("sms until 2026-11-28T23:30")


def test_resuming_what_is_not_paused_logs_nothing(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    assert control.resume(list(Channel), now=clock(), by="cli:alice") == []
    assert control.audit_log() == []


def test_a_blocked_sender_is_stored_and_never_answered_until_unblocked(
    engine: Engine, clock: FakeClock
) -> None:
    from replies.pseudonyms import Pseudonymizer
    from tests.support.responder import KEY

    number = new_number()
    sender = Pseudonymizer(KEY).sender(Channel.SMS, number)
    control = ControlRepository(engine)
    responder = make_responder(engine)
    responder.handle(inbound(number, clock(), "Salut"))  # a first message gives it a ref
    assert control.sender_for_ref(sender[:12]) == sender
    control.block([sender], now=clock(), by="slack:U1", label=sender[:12])
    clock.advance(timedelta(days=31))  # the window is over: only the block holds it back
    assert responder.handle(inbound(number, clock(), "Encore")).outcome is Outcome.BLOCKED
    assert control.unblock([sender], now=clock(), by="slack:U1", label=sender[:12]) == 1
    assert responder.handle(inbound(number, clock(), "Toujours")).outcome is Outcome.REPLIED


def test_todays_budget_can_be_changed_and_binds_at_once(engine: Engine, clock: FakeClock) -> None:
    control = ControlRepository(engine)
    responder = make_responder(engine, budget_eur=20)
    control.set_budget(clock().date(), 160_000, now=clock(), by="slack:U1")
    assert responder.handle(inbound(new_number(), clock())).outcome is Outcome.REPLIED
    assert responder.handle(inbound(new_number(), clock())).outcome is Outcome.BUDGET
    control.set_budget(clock().date(), 320_000, now=clock(), by="slack:U1")  # spent stays
    assert responder.handle(inbound(new_number(), clock())).outcome is Outcome.REPLIED
    assert [e.action for e in control.audit_log()] == ["budget", "budget"]
