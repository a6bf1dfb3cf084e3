"""The responder's transaction in SQL: a handful of single-row statements, no ORM objects.

Every claim is one atomic insert-or-update with RETURNING, so the same code is correct for
concurrent requests on SQLite (serialised by ``BEGIN IMMEDIATE``) and on PostgreSQL (row locks).
Statements are built once, when the store is created, and only executed per message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, String, bindparam, cast, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from replies.ports import MessageRecord, ReplyRecord
from replies.types import Channel, Decision, Outcome
from storage.errors import outages_as_unavailable
from storage.tables import BudgetDay, Message, OptOut, Reply, ReplyWindow

message_t = Message.__table__  # type: ignore[attr-defined]
reply_t = Reply.__table__  # type: ignore[attr-defined]
window_t = ReplyWindow.__table__  # type: ignore[attr-defined]
opt_out_t = OptOut.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]

REPLY_STATUS_INLINE = "inline"


class _Statements:
    """The prepared statements of the responder transaction, for one dialect."""

    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.is_opted_out = select(opt_out_t.c.number).where(
            opt_out_t.c.number == bindparam("number")
        )
        opt_out = insert(opt_out_t).values(number=bindparam("number"), since=bindparam("now"))
        self.opt_out = opt_out.on_conflict_do_nothing(index_elements=["number"])
        self.opt_in = delete(opt_out_t).where(opt_out_t.c.number == bindparam("number"))

        window = insert(window_t).values(
            sender=bindparam("sender"), opened_at=bindparam("now"), until=bindparam("until")
        )
        self.claim_window = window.on_conflict_do_update(
            index_elements=["sender"],
            set_={"opened_at": window.excluded.opened_at, "until": window.excluded.until},
            where=window_t.c.until <= window.excluded.opened_at,
        ).returning(window_t.c.sender)
        self.release_window = (
            update(window_t)
            .where(window_t.c.sender == bindparam("b_sender"))
            .values(until=window_t.c.opened_at)
        )

        # INSERT … SELECT … WHERE cost <= cap: a first claim of the day that exceeds the cap
        # inserts nothing; later claims add to the row only while they fit under its cap.
        cost = cast(bindparam("cost"), Integer)
        cap = cast(bindparam("cap"), Integer)
        budget = insert(budget_t).from_select(
            ["day", "cap_micro", "spent_micro"],
            select(cast(bindparam("day"), String), cap, cost).where(cost <= cap),
        )
        self.claim_budget = budget.on_conflict_do_update(
            index_elements=["day"],
            set_={"spent_micro": budget_t.c.spent_micro + budget.excluded.spent_micro},
            where=budget_t.c.spent_micro + budget.excluded.spent_micro <= budget_t.c.cap_micro,
        ).returning(budget_t.c.spent_micro)

        self.insert_message = (
            insert(message_t)
            .on_conflict_do_nothing(index_elements=["channel", "provider_id"])
            .returning(message_t.c.id)
        )
        self.insert_reply = insert(reply_t)
        self.stored_decision = (
            select(message_t.c.outcome, reply_t.c.body)
            .select_from(message_t.outerjoin(reply_t, reply_t.c.message_id == message_t.c.id))
            .where(
                message_t.c.channel == bindparam("channel"),
                message_t.c.provider_id == bindparam("provider_id"),
            )
        )


class SqlReplyTransaction:
    """``ReplyTransaction`` on one connection inside an open transaction."""

    def __init__(self, connection: Connection, statements: _Statements) -> None:
        self._conn = connection
        self._sql = statements

    def _scalar(self, statement: Any, params: dict[str, Any]) -> Any:
        return self._conn.execute(statement, params).scalar()

    def is_opted_out(self, number: str) -> bool:
        return self._scalar(self._sql.is_opted_out, {"number": number}) is not None

    def set_opt_out(self, number: str, opted_out: bool, now: datetime) -> None:
        if opted_out:
            self._conn.execute(self._sql.opt_out, {"number": number, "now": now})
        else:
            self._conn.execute(self._sql.opt_in, {"number": number})

    def claim_window(self, sender: str, now: datetime, until: datetime) -> bool:
        params = {"sender": sender, "now": now, "until": until}
        return self._scalar(self._sql.claim_window, params) is not None

    def release_window(self, sender: str) -> None:
        self._conn.execute(self._sql.release_window, {"b_sender": sender})

    def claim_budget(self, day: date, cost_micro: int, default_cap_micro: int) -> bool:
        params = {"day": day.isoformat(), "cap": default_cap_micro, "cost": cost_micro}
        return self._scalar(self._sql.claim_budget, params) is not None

    def record(self, message: MessageRecord, reply: ReplyRecord | None) -> bool:
        message_id = self._scalar(
            self._sql.insert_message,
            {
                "channel": message.channel.value,
                "provider_id": message.provider_id,
                "received_at": message.received_at,
                "receiver": message.receiver,
                "sender": message.sender,
                "body": message.body,
                "media_count": message.media_count,
                "segments": message.segments,
                "label": message.label.value,
                "outcome": message.outcome.value,
                "inbound_cost_micro": message.inbound_cost_micro,
            },
        )
        if message_id is None:
            return False
        if reply is not None:
            self._conn.execute(
                self._sql.insert_reply,
                {
                    "message_id": message_id,
                    "channel": reply.channel.value,
                    "sender": reply.sender,
                    "created_at": reply.created_at,
                    "body": reply.body,
                    "segments": reply.segments,
                    "cost_micro": reply.cost_micro,
                    "status": REPLY_STATUS_INLINE,
                },
            )
        return True


class SqlReplyStore:
    """``ReplyStore`` on an engine: one pooled connection and one transaction per message."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql = _Statements(engine.dialect.name)

    @contextmanager
    def transaction(self) -> Iterator[SqlReplyTransaction]:
        with outages_as_unavailable(), self._engine.begin() as connection:
            yield SqlReplyTransaction(connection, self._sql)

    def stored_decision(self, channel: Channel, provider_id: str) -> Decision | None:
        params = {"channel": channel.value, "provider_id": provider_id}
        with outages_as_unavailable(), self._engine.connect() as connection:
            row = connection.execute(self._sql.stored_decision, params).first()
        if row is None:
            return None
        return Decision(outcome=Outcome(row.outcome), reply=row.body, duplicate=True)
