"""The responder's one transaction, as a handful of single-row SQL statements.

Every claim is one atomic insert-or-update with RETURNING, so the same SQL is correct for
concurrent requests on SQLite (serialised by ``BEGIN IMMEDIATE``) and on PostgreSQL (row
locks). The statements run on the pooled DBAPI connection with nothing built per message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, select

from replies.evidence import SealedEvidence
from replies.policy import SenderFacts
from replies.ports import MessageRecord, ReplyRecord, StoreUnavailable
from replies.types import Channel, Decision, Outcome, ReplyStatus
from storage.errors import outages_as_unavailable
from storage.sql_driver import SqlDriver, driver_for
from storage.tables import Message

message_t = Message.__table__  # type: ignore[attr-defined]

# One round trip for the facts. Timed pauses and blocks end when the clock passes ``until``.
# The sender's recent messages are counted only up to the cap, so that a flooder's own
# thousands of rows never make the count slow.
SENDER_FACTS = """
    SELECT
        (SELECT COUNT(*) FROM opt_out WHERE number = :number),
        (SELECT COUNT(*) FROM pause
         WHERE channel = :channel AND (until IS NULL OR until > :now)),
        (SELECT COUNT(*) FROM block
         WHERE sender = :sender AND (until IS NULL OR until > :now)),
        (SELECT COUNT(*) FROM (SELECT 1 FROM message
         WHERE sender = :sender AND received_at > :since LIMIT :cap) AS recent),
        (SELECT COUNT(*) FROM spike_state
         WHERE channel = :channel AND episode_started_at IS NOT NULL),
        (SELECT COUNT(*) FROM (SELECT 1 FROM message
         WHERE sender = :sender AND received_at > :abusive_since AND label <> 'ok'
         LIMIT 1) AS abusive)"""
# A block still in force (an operator's, or an earlier automatic one) is left as it is.
BLOCK_AUTOMATICALLY = """
    INSERT INTO block (sender, blocked_at, blocked_by, until, automatic)
    VALUES (:sender, :now, 'auto', :until, :automatic)
    ON CONFLICT (sender) DO UPDATE SET blocked_at = excluded.blocked_at,
        blocked_by = excluded.blocked_by, until = excluded.until, automatic = excluded.automatic
    WHERE block.until IS NOT NULL AND block.until <= excluded.blocked_at
    RETURNING sender"""
AUDIT = """
    INSERT INTO audit_log (at, actor, action, detail) VALUES (:now, 'auto', 'block', :detail)"""
INSERT_EVIDENCE = """
    INSERT INTO evidence (message_id, sender, channel, received_at, reason, sealed)
    VALUES (:message_id, :sender, :channel, :received_at, :reason, :sealed)"""
OPT_OUT = (
    "INSERT INTO opt_out (number, since) VALUES (:number, :now) ON CONFLICT (number) DO NOTHING"
)
OPT_IN = "DELETE FROM opt_out WHERE number = :number"
CLAIM_WINDOW = """
    INSERT INTO reply_window (sender, opened_at, until) VALUES (:sender, :now, :until)
    ON CONFLICT (sender) DO UPDATE SET opened_at = excluded.opened_at, until = excluded.until
    WHERE reply_window.until <= excluded.opened_at
    RETURNING sender"""
# The window was free when claimed, so closing it again restores an equivalent state.
RELEASE_WINDOW = "UPDATE reply_window SET until = opened_at WHERE sender = :sender"
# A first claim of the day that exceeds the cap inserts nothing; later claims add to the
# day's row only while they fit under its cap (which Slack may have changed for today).
CLAIM_BUDGET = """
    INSERT INTO budget_day (day, cap_micro, spent_micro)
    SELECT CAST(:day AS VARCHAR(10)), CAST(:cap AS BIGINT), CAST(:cost AS BIGINT)
    WHERE CAST(:cost AS BIGINT) <= CAST(:cap AS BIGINT)
    ON CONFLICT (day) DO UPDATE SET spent_micro = budget_day.spent_micro + excluded.spent_micro
    WHERE budget_day.spent_micro + excluded.spent_micro <= budget_day.cap_micro
    RETURNING spent_micro"""
INSERT_MESSAGE = """
    INSERT INTO message (
        channel, provider_id, received_at, receiver, sender, body, media_count, segments,
        label, outcome, inbound_cost_micro,
        reply_body, reply_segments, reply_cost_micro, reply_status, reply_due_at,
        reply_recipient, reply_attempts
    ) VALUES (
        :channel, :provider_id, :received_at, :receiver, :sender, :body, :media_count,
        :segments, :label, :outcome, :inbound_cost_micro,
        :reply_body, :reply_segments, :reply_cost_micro, :reply_status, :reply_due_at,
        :reply_recipient, 0
    )
    ON CONFLICT (channel, provider_id) DO NOTHING
    RETURNING id"""


class _Statements:
    """The hot-path SQL in one driver's parameter style, converted once."""

    def __init__(self, driver: SqlDriver) -> None:
        self.sender_facts = driver.sql(SENDER_FACTS)
        self.opt_out = driver.sql(OPT_OUT)
        self.opt_in = driver.sql(OPT_IN)
        self.claim_window = driver.sql(CLAIM_WINDOW)
        self.release_window = driver.sql(RELEASE_WINDOW)
        self.claim_budget = driver.sql(CLAIM_BUDGET)
        self.insert_message = driver.sql(INSERT_MESSAGE)
        self.block_automatically = driver.sql(BLOCK_AUTOMATICALLY)
        self.audit = driver.sql(AUDIT)
        self.insert_evidence = driver.sql(INSERT_EVIDENCE)


class SqlReplyTransaction:
    """``ReplyTransaction`` on a DBAPI cursor inside an open transaction."""

    def __init__(self, cursor: Any, sql: _Statements, driver: SqlDriver) -> None:
        self._cursor = cursor
        self._sql = sql
        self._time = driver.time

    def _first(self, statement: str, params: dict[str, Any]) -> Any:
        self._cursor.execute(statement, params)
        rows = self._cursor.fetchall()  # drain, so that SQLite finishes the statement
        return rows[0] if rows else None

    def sender_facts(
        self,
        sender: str,
        number: str,
        channel: Channel,
        now: datetime,
        recent_since: datetime | None = None,
        recent_cap: int = 0,
        abusive_since: datetime | None = None,
    ) -> SenderFacts:
        params = {
            "sender": sender,
            "number": number,
            "channel": channel.value,
            "now": self._time(now),
            "since": self._time(recent_since or now),
            "cap": recent_cap,
            "abusive_since": self._time(abusive_since or now),
        }
        opted_out, paused, blocked, recent, flood, abusive = self._first(
            self._sql.sender_facts, params
        )
        return SenderFacts(
            opted_out=bool(opted_out),
            paused=bool(paused),
            blocked=bool(blocked),
            recent_messages=int(recent),
            flood_episode=bool(flood),
            abusive_before=bool(abusive),
        )

    def block_automatically(self, sender: str, now: datetime, until: datetime, why: str) -> None:
        params = {"sender": sender, "now": self._time(now), "until": self._time(until)}
        if self._first(self._sql.block_automatically, params | {"automatic": True}) is not None:
            self._cursor.execute(self._sql.audit, {"now": self._time(now), "detail": why})

    def set_opt_out(self, number: str, opted_out: bool, now: datetime) -> None:
        if opted_out:
            self._cursor.execute(self._sql.opt_out, {"number": number, "now": self._time(now)})
        else:
            self._cursor.execute(self._sql.opt_in, {"number": number})

    def claim_window(self, sender: str, now: datetime, until: datetime) -> bool:
        params = {"sender": sender, "now": self._time(now), "until": self._time(until)}
        return self._first(self._sql.claim_window, params) is not None

    def release_window(self, sender: str) -> None:
        self._cursor.execute(self._sql.release_window, {"sender": sender})

    def claim_budget(self, day: date, cost_micro: int, default_cap_micro: int) -> bool:
        params = {"day": day.isoformat(), "cap": default_cap_micro, "cost": cost_micro}
        return self._first(self._sql.claim_budget, params) is not None

    def record(
        self,
        message: MessageRecord,
        reply: ReplyRecord | None,
        evidence: SealedEvidence | None = None,
    ) -> bool:
        params = {
            "channel": message.channel.value,
            "provider_id": message.provider_id,
            "received_at": self._time(message.received_at),
            "receiver": message.receiver,
            "sender": message.sender,
            "body": message.body,
            "media_count": message.media_count,
            "segments": message.segments,
            "label": message.label.value,
            "outcome": message.outcome.value,
            "inbound_cost_micro": message.inbound_cost_micro,
            "reply_body": reply.body if reply else None,
            "reply_segments": reply.segments if reply else None,
            "reply_cost_micro": reply.cost_micro if reply else 0,
            "reply_status": reply.status.value if reply else None,
            "reply_due_at": self._time(reply.due_at) if reply and reply.due_at else None,
            "reply_recipient": reply.recipient if reply else None,
        }
        row = self._first(self._sql.insert_message, params)
        if row is None:
            return False
        if evidence is not None:
            evidence_params = {
                "message_id": row[0],
                "sender": message.sender,
                "channel": message.channel.value,
                "received_at": params["received_at"],
                "reason": evidence.reason.value,
                "sealed": evidence.sealed,
            }
            self._cursor.execute(self._sql.insert_evidence, evidence_params)
        return True


class SqlReplyStore:
    """``ReplyStore`` on an engine: one pooled connection and one transaction per message."""

    def __init__(self, engine: Engine, *, checkpoints_elsewhere: bool = False) -> None:
        """``checkpoints_elsewhere``: a ``WalCheckpointer`` runs, so SQLite's writer need not."""
        self._engine = engine
        self._checkpoints_elsewhere = checkpoints_elsewhere
        self._driver = driver_for(engine.dialect.name)
        self._sql = _Statements(self._driver)
        # SQLite has one writer at a time. Threads of this process queue on a lock, which
        # wakes the next one at once; left to SQLite's busy handler they would sleep in steps
        # of several milliseconds. Other processes still queue in the busy handler.
        self._writer: AbstractContextManager[object] = (
            threading.Lock() if self._driver.name == "sqlite" else nullcontext()
        )
        self._kept: Any = None
        self._stored_decision = select(
            message_t.c.outcome, message_t.c.reply_body, message_t.c.reply_status
        ).where(
            message_t.c.channel == bindparam("channel"),
            message_t.c.provider_id == bindparam("provider_id"),
        )

    @property
    def writer_lock(self) -> AbstractContextManager[object]:
        """Held while a transaction writes (a real lock on SQLite only)."""
        return self._writer

    @property
    def concurrency(self) -> int:
        """How many transactions can usefully run at once: one writer on SQLite."""
        return 1 if self._driver.name == "sqlite" else self._engine.pool.size()  # type: ignore[attr-defined]

    def _checkout(self) -> Any:
        """A DBAPI connection for one transaction.

        SQLite's single writer keeps one connection for good (under the writer lock): a pool
        checkout and return per message costs a tenth of the transaction.
        """
        if self._driver.name != "sqlite":
            return self._connect()
        if self._kept is None:
            kept = self._connect()
            if self._checkpoints_elsewhere:
                with self._outages_as_unavailable():
                    kept.cursor().execute("PRAGMA wal_autocheckpoint=0")
            self._kept = kept
        return self._kept

    def _connect(self) -> Any:
        """A pooled DBAPI connection. The pool lets the driver's own errors through when it
        cannot connect (SQLAlchemy wraps them only on its ``Connection``): both mean 503."""
        with outages_as_unavailable(), self._outages_as_unavailable():
            return self._engine.raw_connection()

    @contextmanager
    def _outages_as_unavailable(self) -> Iterator[None]:
        try:
            yield
        except self._driver.outages as error:
            raise StoreUnavailable(type(error).__name__) from error

    def _release(self, connection: Any, broken: bool) -> None:
        if broken:
            connection.invalidate()  # the pool opens a fresh one next time
            if connection is self._kept:
                self._kept = None
        if connection is not self._kept:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[SqlReplyTransaction]:
        with self._writer:
            connection = self._checkout()
            broken = False
            try:
                cursor = connection.cursor()
                if self._driver.begin:
                    cursor.execute(self._driver.begin)
                yield SqlReplyTransaction(cursor, self._sql, self._driver)
                connection.commit()
            except self._driver.outages as error:
                broken = True
                with suppress(*self._driver.outages):
                    connection.rollback()
                raise StoreUnavailable(type(error).__name__) from error
            except BaseException:
                with suppress(*self._driver.outages):
                    connection.rollback()
                raise
            finally:
                self._release(connection, broken)

    def sender_facts(
        self, sender: str, number: str, channel: Channel, now: datetime
    ) -> SenderFacts:
        connection = self._connect()
        try:
            cursor = connection.cursor()
            return SqlReplyTransaction(cursor, self._sql, self._driver).sender_facts(
                sender, number, channel, now
            )
        except self._driver.outages as error:
            connection.invalidate()
            raise StoreUnavailable(type(error).__name__) from error
        finally:
            with suppress(*self._driver.outages):
                connection.rollback()  # end PostgreSQL's implicit transaction
            connection.close()

    def close(self) -> None:
        """Return the connection kept for SQLite's writer, before the engine is disposed."""
        with self._writer:
            if self._kept is not None:
                self._kept.close()
                self._kept = None

    def stored_decision(self, channel: Channel, provider_id: str) -> Decision | None:
        params = {"channel": channel.value, "provider_id": provider_id}
        with outages_as_unavailable(), self._engine.connect() as connection:
            row = connection.execute(self._stored_decision, params).first()
        if row is None:
            return None
        inline = row.reply_status == ReplyStatus.INLINE
        reply = row.reply_body if inline else None
        return Decision(outcome=Outcome(row.outcome), reply=reply, duplicate=True)
