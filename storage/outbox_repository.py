"""The outbox: queued replies on their message rows, claimed and settled at most once.

A reply moves ``queued → sending`` in a committed transaction *before* the API is called, so
that a crash or a timeout can never lead to a second send; ``sending`` then settles as
``sent``, ``unknown``, ``failed``, back to ``queued`` (only when nothing can have been sent),
or ``dropped``. A dropped or refused reply gives its budget claim back; a dropped one also
closes the window it opened. The sealed address is erased as soon as a reply settles.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from replies.types import Channel, ReplyStatus
from storage.errors import outages_as_unavailable
from storage.tables import BudgetDay, Message, ReplyWindow

message_t = Message.__table__  # type: ignore[attr-defined]
window_t = ReplyWindow.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A reply claimed for sending."""

    id: int
    channel: Channel
    sender: str
    receiver: str
    recipient: bytes
    body: str
    received_at: datetime
    due_at: datetime
    cost_micro: int
    attempts: int


class OutboxRepository:
    """Claims due replies and records what became of them."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        """``writer_lock``: the responder store's, so that on SQLite this process's writers
        queue on it rather than in SQLite's busy handler."""
        self._engine = engine
        self._lock = writer_lock or nullcontext()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._lock, outages_as_unavailable(), self._engine.begin() as connection:
            yield connection

    def _settle(self, connection: Connection, item_id: int, **values: Any) -> None:
        connection.execute(
            update(message_t)
            .where(message_t.c.id == item_id)
            .values(reply_recipient=None, **values)
        )

    def claim_due(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        """Mark up to ``limit`` due replies as sending, and return them.

        On PostgreSQL ``SKIP LOCKED`` lets several replicas claim disjoint rows at once.
        """
        due = (
            select(message_t)
            .where(
                message_t.c.reply_status == ReplyStatus.QUEUED.value,
                message_t.c.reply_due_at <= now,
            )
            .order_by(message_t.c.reply_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self._write() as connection:
            rows = connection.execute(due).all()
            if rows:
                connection.execute(
                    update(message_t)
                    .where(message_t.c.id.in_([row.id for row in rows]))
                    .values(
                        reply_status=ReplyStatus.SENDING.value,
                        reply_attempted_at=now,
                        reply_attempts=message_t.c.reply_attempts + 1,
                    )
                )
        return [
            OutboxItem(
                id=row.id,
                channel=Channel(row.channel),
                sender=row.sender,
                receiver=row.receiver,
                recipient=row.reply_recipient,
                body=row.reply_body,
                received_at=row.received_at,
                due_at=row.reply_due_at,
                cost_micro=row.reply_cost_micro,
                attempts=row.reply_attempts + 1,
            )
            for row in rows
        ]

    def over_budget(self, item: OutboxItem) -> bool:
        """Whether the day ``item`` was claimed on is now over its cap (lowered since)."""
        query = select(budget_t.c.cap_micro, budget_t.c.spent_micro).where(
            budget_t.c.day == item.received_at.date().isoformat()
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            day = connection.execute(query).first()
        return day is not None and day.spent_micro > day.cap_micro

    def mark_sent(self, item: OutboxItem, provider_id: str, now: datetime) -> None:
        with self._write() as connection:
            self._settle(
                connection,
                item.id,
                reply_status=ReplyStatus.SENT.value,
                reply_provider_id=provider_id,
                reply_sent_at=now,
                reply_error=None,
            )

    def mark_unknown(self, item: OutboxItem, error: str) -> None:
        """It may have gone: keep its cost in the ledger and never send it again."""
        with self._write() as connection:
            self._settle(
                connection, item.id, reply_status=ReplyStatus.UNKNOWN.value, reply_error=error
            )

    def mark_failed(self, item: OutboxItem, error: str) -> None:
        """Twilio refused it: nothing was sent, so its budget claim is given back. The window
        stays: sending to an address Twilio refuses would fail again."""
        with self._write() as connection:
            self._settle(
                connection, item.id, reply_status=ReplyStatus.FAILED.value, reply_error=error
            )
            self._release_budget(connection, item)

    def requeue(self, item: OutboxItem, due_at: datetime, error: str) -> None:
        """Provably not sent: try again at ``due_at``. The address stays sealed on the row."""
        with self._write() as connection:
            connection.execute(
                update(message_t)
                .where(message_t.c.id == item.id)
                .values(
                    reply_status=ReplyStatus.QUEUED.value, reply_due_at=due_at, reply_error=error
                )
            )

    def drop(self, item: OutboxItem, reason: str, window_sender: str | None = None) -> None:
        """Never send it: give back its window (``window_sender``'s, when the reply was
        claimed on another channel's window than the message's) and its budget claim."""
        with self._write() as connection:
            self._settle(
                connection, item.id, reply_status=ReplyStatus.DROPPED.value, reply_error=reason
            )
            self._release_budget(connection, item)
            connection.execute(
                update(window_t)
                .where(window_t.c.sender == (window_sender or item.sender))
                .values(until=window_t.c.opened_at)
            )

    def give_up_on_stale_sends(self, older_than: datetime) -> int:
        """Replies left ``sending`` by a process that died mid-send become ``unknown``."""
        with self._write() as connection:
            result = connection.execute(
                update(message_t)
                .where(
                    message_t.c.reply_status == ReplyStatus.SENDING.value,
                    message_t.c.reply_attempted_at < older_than,
                )
                .values(
                    reply_status=ReplyStatus.UNKNOWN.value,
                    reply_error="interrupted",
                    reply_recipient=None,
                )
            )
        return int(result.rowcount)

    def depth(self) -> tuple[int, datetime | None]:
        """How many replies are queued, and when the next one is due."""
        query = select(func.count(), func.min(message_t.c.reply_due_at)).where(
            message_t.c.reply_status == ReplyStatus.QUEUED.value
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            count, next_due = connection.execute(query).one()
        return int(count), next_due

    def record_delivery(
        self, provider_id: str, status: str, price_micro: int | None, segments: int | None
    ) -> bool:
        """Twilio's status callback: the final status and, when given, the real price."""
        values: dict[str, Any] = {"reply_delivery": status[:16]}
        if price_micro is not None:
            values["reply_price_micro"] = price_micro
        if segments is not None:
            values["reply_segments"] = segments
        with self._write() as connection:
            result = connection.execute(
                update(message_t).where(message_t.c.reply_provider_id == provider_id).values(values)
            )
        return bool(result.rowcount)

    @staticmethod
    def _release_budget(connection: Connection, item: OutboxItem) -> None:
        # The claim was made on the day the message arrived (the responder's "now").
        connection.execute(
            update(budget_t)
            .where(budget_t.c.day == item.received_at.date().isoformat())
            .values(spent_micro=budget_t.c.spent_micro - item.cost_micro)
        )
