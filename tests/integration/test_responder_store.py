"""The responder's one transaction on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from replies.types import Channel, Outcome
from storage.engine import create_db_engine
from storage.stats import collect_stats
from storage.tables import Message
from tests.support.clock import FakeClock
from tests.support.responder import inbound, later, make_responder
from tests.support.twilio import new_number, new_sid


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    from storage import migrate

    engine = create_db_engine(database_url, pool_size=20)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _count(engine: Engine, *, replied: bool = False) -> int:
    """Messages stored, or those of them that got a reply."""
    table = Message.__table__  # type: ignore[attr-defined]
    query = select(func.count()).select_from(table)
    if replied:
        query = query.where(table.c.reply_status.is_not(None))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def test_one_reply_per_sender_per_window(engine: Engine, clock: FakeClock) -> None:
    responder = make_responder(engine, window_days=30)
    first = inbound(new_number(), clock())
    assert responder.handle(first).outcome is Outcome.REPLIED
    assert responder.handle(later(first, timedelta(days=29))).outcome is Outcome.WINDOW_OPEN
    assert responder.handle(later(first, timedelta(days=30))).outcome is Outcome.REPLIED
    assert _count(engine) == 3 and _count(engine, replied=True) == 2


def test_unanswered_messages_do_not_extend_the_window(engine: Engine, clock: FakeClock) -> None:
    responder = make_responder(engine, window_days=30)
    first = inbound(new_number(), clock())
    responder.handle(first)
    responder.handle(later(first, timedelta(days=20)))  # inside the window: unanswered
    assert responder.handle(later(first, timedelta(days=31))).outcome is Outcome.REPLIED


def test_a_redelivery_gets_the_stored_answer_and_is_counted_once(
    engine: Engine, clock: FakeClock
) -> None:
    responder = make_responder(engine)
    message = inbound(new_number(), clock())
    first = responder.handle(message)
    again = responder.handle(message)
    assert (again.outcome, again.reply, again.duplicate) == (first.outcome, first.reply, True)
    assert _count(engine) == 1 and _count(engine, replied=True) == 1


def test_twenty_concurrent_redeliveries_decide_once(engine: Engine, clock: FakeClock) -> None:
    responder = make_responder(engine)
    message = inbound(new_number(), clock())
    with ThreadPoolExecutor(max_workers=20) as pool:
        decisions = list(pool.map(lambda _: responder.handle(message), range(20)))
    assert {(d.outcome, d.reply) for d in decisions} == {(Outcome.REPLIED, decisions[0].reply)}
    assert sum(not d.duplicate for d in decisions) == 1
    assert _count(engine) == 1 and _count(engine, replied=True) == 1


def test_concurrent_first_contacts_never_overspend_the_budget(
    engine: Engine, clock: FakeClock
) -> None:
    responder = make_responder(engine, budget_eur=1.60)  # ten SMS replies at 0.16
    messages = [inbound(new_number(), clock()) for _ in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = [d.outcome for d in pool.map(responder.handle, messages)]
    assert outcomes.count(Outcome.REPLIED) == 10
    assert outcomes.count(Outcome.BUDGET) == 30
    figures = collect_stats(engine, clock().date(), 1_600_000)
    assert figures["today"]["spend_eur"] == pytest.approx(1.60)


def test_a_sender_refused_for_budget_is_answered_the_next_day(
    engine: Engine, clock: FakeClock
) -> None:
    responder = make_responder(engine, budget_eur=0.16)
    responder.handle(inbound(new_number(), clock()))  # spends the whole day
    refused = inbound(new_number(), clock())
    assert responder.handle(refused).outcome is Outcome.BUDGET
    assert responder.handle(later(refused, timedelta(days=1))).outcome is Outcome.REPLIED


def test_whatsapp_replies_cost_their_own_price(engine: Engine, clock: FakeClock) -> None:
    responder = make_responder(engine)
    responder.handle(inbound(new_number(), clock(), channel=Channel.WHATSAPP))
    figures = collect_stats(engine, clock().date(), 20_000_000)
    assert figures["channels"]["whatsapp"]["spend_eur"] == pytest.approx(0.03)
    assert figures["channels"]["sms"]["spend_eur"] == 0


def test_stop_on_sms_silences_whatsapp_until_start(engine: Engine, clock: FakeClock) -> None:
    responder = make_responder(engine)
    number = new_number()
    assert responder.handle(inbound(number, clock(), "STOP")).outcome is Outcome.OPT_OUT
    whatsapp = inbound(number, clock(), "Coucou", channel=Channel.WHATSAPP)
    assert responder.handle(whatsapp).outcome is Outcome.OPTED_OUT
    assert responder.handle(inbound(number, clock(), "START")).outcome is Outcome.OPT_IN
    assert responder.handle(later(whatsapp, timedelta(minutes=1))).outcome is Outcome.REPLIED


def test_the_window_survives_a_restart(database_url: str, clock: FakeClock) -> None:
    from storage import migrate

    number = new_number()
    before = create_db_engine(database_url)
    migrate.upgrade(before)
    make_responder(before).handle(inbound(number, clock()))
    before.dispose()
    after = create_db_engine(database_url)
    outcome = make_responder(after).handle(inbound(number, clock(), sid=new_sid())).outcome
    after.dispose()
    assert outcome is Outcome.WINDOW_OPEN


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Automatic message"), ("en-GB", "Automatic message"), ("de", "Message automatique")],
)
def test_a_telegram_reply_speaks_the_senders_language_when_it_can(
    engine: Engine, clock: FakeClock, language: str, expected: str
) -> None:
    from dataclasses import replace

    message = replace(
        inbound("tg:4242", clock(), channel=Channel.TELEGRAM), language=language, receiver="bot"
    )
    decision = make_responder(engine).handle(message)
    assert decision.outcome is Outcome.REPLIED
    assert expected in (decision.reply or "")
    figures = collect_stats(engine, clock().date(), 20_000_000)
    assert figures["channels"]["telegram"]["spend_eur"] == 0  # free, and never budgeted
