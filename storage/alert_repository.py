"""Alerts: raised by any part of the service, kept until Slack has them.

Raising an alert is one small write and never talks to Slack: posting happens in the
delivery job, so a slow or absent Slack can never delay a webhook's answer.
"""

from __future__ import annotations

from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from storage.errors import outages_as_unavailable
from storage.tables import Alert, Message
from storage.writes import Writes

alert_t = Alert.__table__  # type: ignore[attr-defined]
message_t = Message.__table__  # type: ignore[attr-defined]

#: A coalescible alert raised within this long of its last post updates that post instead.
COALESCE_WINDOW = timedelta(minutes=1)
#: How long a replica may take to deliver the alerts it claimed.
CLAIM_FOR = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """An alert Slack has not seen in its current form."""

    id: int
    kind: str
    key: str
    text: str
    count: int
    slack_ts: str | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    """An alert as it was raised: what, about which key, and when."""

    kind: str
    key: str
    created_at: datetime


class AlertRepository:
    """Raises, coalesces and hands out alerts for delivery."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        """``writer_lock``: the responder store's (see ``storage.writes``)."""
        self._engine = engine
        self._writes = Writes(engine, writer_lock)

    def raise_alert(
        self,
        kind: str,
        key: str,
        text: str,
        now: datetime,
        *,
        coalesce: bool = True,
        message_id: int | None = None,
        within: timedelta = COALESCE_WINDOW,
    ) -> int:
        """Store an alert; a coalescible one joins the alert of the same key posted less than
        ``within`` ago (or not posted yet), which is then updated in place."""
        with self._writes.begin() as connection:
            if coalesce:
                open_alert = connection.execute(
                    select(alert_t.c.id)
                    .where(
                        alert_t.c.key == key,
                        (alert_t.c.posted_at.is_(None)) | (alert_t.c.posted_at > now - within),
                    )
                    .order_by(alert_t.c.id.desc())
                    .limit(1)
                ).scalar()
                if open_alert is not None:
                    connection.execute(
                        update(alert_t)
                        .where(alert_t.c.id == open_alert)
                        .values(text=text, updated_at=now, count=alert_t.c.count + 1, pending=True)
                    )
                    return int(open_alert)
            new_id = connection.execute(
                insert(alert_t)
                .returning(alert_t.c.id)
                .values(
                    kind=kind,
                    key=key,
                    created_at=now,
                    updated_at=now,
                    text=text,
                    count=1,
                    message_id=message_id,
                    pending=True,
                )
            ).scalar_one()
            return int(new_id)

    def claim_pending(self, now: datetime, limit: int = 20) -> list[PendingAlert]:
        """Alerts to post or update, oldest first, claimed for a while by this caller.

        The claim makes one replica deliver each alert: another skips claimed rows (``SKIP
        LOCKED`` on PostgreSQL, the write lock on SQLite) until the claim runs out.
        """
        query = (
            select(alert_t)
            .where(
                alert_t.c.pending.is_(True),
                alert_t.c.claimed_until.is_(None) | (alert_t.c.claimed_until < now),
            )
            .order_by(alert_t.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self._writes.begin() as connection:
            rows = connection.execute(query).all()
            if rows:
                connection.execute(
                    update(alert_t)
                    .where(alert_t.c.id.in_([r.id for r in rows]))
                    .values(claimed_until=now + CLAIM_FOR)
                )
        return [
            PendingAlert(r.id, r.kind, r.key, r.text, r._mapping["count"], r.slack_ts, r.updated_at)
            for r in rows
        ]

    def delivered(self, alert: PendingAlert, slack_ts: str, now: datetime, *, posted: bool) -> None:
        """Slack has ``alert`` as it was claimed (``posted``: as a new message, at ``now``).

        If it was raised again meanwhile it stays pending, so that the update goes out too.
        """
        values: dict[str, object] = {"slack_ts": slack_ts, "claimed_until": None}
        if posted:
            values["posted_at"] = now
        with self._writes.begin() as connection:
            connection.execute(update(alert_t).where(alert_t.c.id == alert.id).values(values))
            connection.execute(
                update(alert_t)
                .where(alert_t.c.id == alert.id, alert_t.c.updated_at == alert.updated_at)
                .values(pending=False)
            )

    def release(self, alert_ids: list[int]) -> None:
        """Give claimed alerts back undelivered (Slack is down): the next run takes them."""
        with self._writes.begin() as connection:
            connection.execute(
                update(alert_t).where(alert_t.c.id.in_(alert_ids)).values(claimed_until=None)
            )

    def raised_since(self, since: datetime, kinds: Collection[str]) -> list[RaisedAlert]:
        """Alerts of ``kinds`` raised at or after ``since``, oldest first."""
        query = (
            select(alert_t.c.kind, alert_t.c.key, alert_t.c.created_at)
            .where(alert_t.c.created_at >= since, alert_t.c.kind.in_(list(kinds)))
            .order_by(alert_t.c.created_at)
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            return [RaisedAlert(*row) for row in connection.execute(query)]

    def revealed_text(self, alert_id: int) -> str | None:
        """The message a threat alert is about, for the admin who asked to see it."""
        query = (
            select(message_t.c.body)
            .select_from(alert_t.join(message_t, message_t.c.id == alert_t.c.message_id))
            .where(alert_t.c.id == alert_id)
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            return connection.execute(query).scalar()
