"""What the operators control: paused channels, blocked senders, today's budget, and the
audit log of who changed what.

Everything lives in the database, so that a change made on one replica (or from the CLI) is
in force on every replica at once, and survives restarts.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, insert, or_, select

from replies.types import Channel
from storage.errors import outages_as_unavailable
from storage.tables import AuditEntry, Block, BudgetDay, Message, Pause
from storage.writes import Writes

pause_t = Pause.__table__  # type: ignore[attr-defined]
block_t = Block.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]
message_t = Message.__table__  # type: ignore[attr-defined]
audit_t = AuditEntry.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PauseState:
    """One paused channel: by whom, since when, until when (``None``: until resumed)."""

    channel: Channel
    paused_at: datetime
    paused_by: str
    until: datetime | None
    automatic: bool


def _names(channels: Iterable[Channel]) -> str:
    return ", ".join(channel.value for channel in channels)


class ControlRepository:
    """Pauses and the audit log, on an engine."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        """``writer_lock``: the responder store's (see ``storage.writes``)."""
        self._engine = engine
        self._writes = Writes(engine, writer_lock)

    def pause(
        self,
        channels: Iterable[Channel],
        *,
        now: datetime,
        by: str,
        until: datetime | None = None,
        automatic: bool = False,
    ) -> None:
        """Pause ``channels`` from ``now``; a channel already paused takes the new terms."""
        channels = list(channels)
        rows = [
            {
                "channel": c.value,
                "paused_at": now,
                "paused_by": by,
                "until": until,
                "automatic": automatic,
            }
            for c in channels
        ]
        detail = _names(channels) + (f" until {until.isoformat()}" if until else "")
        self._upsert_audited(pause_t, "channel", rows, (now, by, "pause", detail))

    def pause_automatically(
        self, channels: Iterable[Channel], *, now: datetime, until: datetime | None, why: str
    ) -> list[Channel]:
        """Pause those of ``channels`` not paused already, as ``auto``; returns them.

        An operator's pause in force is never replaced: its terms (and who may lift it) stay.
        """
        names = [channel.value for channel in channels]
        row = {"paused_at": now, "paused_by": "auto", "until": until, "automatic": True}
        with self._writes.begin() as connection:
            connection.execute(
                delete(pause_t).where(pause_t.c.channel.in_(names), ~self._in_force(now))
            )
            paused = [
                Channel(name)
                for name in connection.execute(
                    self._writes.insert(pause_t)
                    .values([{"channel": name} | row for name in names])
                    .on_conflict_do_nothing()
                    .returning(pause_t.c.channel)
                ).scalars()
            ]
            if paused:
                self._log(connection, now, "auto", "pause", f"{_names(paused)}: {why}")
        return paused

    def resume(
        self,
        channels: Iterable[Channel],
        *,
        now: datetime,
        by: str,
        automatic_only: bool = False,
    ) -> list[Channel]:
        """Lift the pauses of ``channels`` (only automatic ones if told); returns those lifted.

        A timed pause already over counts as lifted only if it was still in force.
        """
        names = [channel.value for channel in channels]
        condition = pause_t.c.channel.in_(names)
        if automatic_only:
            condition &= pause_t.c.automatic.is_(True)
        with self._writes.begin() as connection:
            in_force = connection.execute(
                select(pause_t.c.channel).where(condition, self._in_force(now))
            ).scalars()
            lifted = [Channel(name) for name in in_force]
            connection.execute(delete(pause_t).where(condition))
            if lifted:
                self._log(connection, now, by, "resume", _names(lifted))
        return lifted

    def pauses(self, now: datetime) -> dict[Channel, PauseState]:
        """The pauses in force at ``now``."""
        query = select(pause_t).where(self._in_force(now))
        with outages_as_unavailable(), self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return {
            Channel(row.channel): PauseState(
                Channel(row.channel), row.paused_at, row.paused_by, row.until, row.automatic
            )
            for row in rows
        }

    def block(
        self,
        senders: Iterable[str],
        *,
        now: datetime,
        by: str,
        label: str,
        until: datetime | None = None,
    ) -> None:
        """Block ``senders`` (channel pseudonyms); ``label`` names them in the audit log."""
        rows = [
            {
                "sender": sender,
                "blocked_at": now,
                "blocked_by": by,
                "until": until,
                "automatic": False,
            }
            for sender in senders
        ]
        self._upsert_audited(block_t, "sender", rows, (now, by, "block", label), keep={"automatic"})

    def unblock(self, senders: Iterable[str], *, now: datetime, by: str, label: str) -> int:
        """Lift the blocks of ``senders``; returns how many were lifted."""
        with self._writes.begin() as connection:
            lifted = connection.execute(delete(block_t).where(block_t.c.sender.in_(list(senders))))
            if lifted.rowcount:
                self._log(connection, now, by, "unblock", label)
        return int(lifted.rowcount)

    def sender_for_ref(self, ref: str) -> str | None:
        """The one sender pseudonym that starts with ``ref``; ``None`` if none or several."""
        query = (
            select(message_t.c.sender)
            .where(message_t.c.sender.startswith(ref.lower(), autoescape=True))
            .distinct()
            .limit(2)
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            found = list(connection.execute(query).scalars())
        return found[0] if len(found) == 1 else None

    def set_budget(self, day: date, cap_micro: int, *, now: datetime, by: str) -> None:
        """Today's cap, whatever the setting says; what was spent today stays spent."""
        row = {"day": day.isoformat(), "cap_micro": cap_micro, "spent_micro": 0}
        detail = f"{day.isoformat()}: {cap_micro / 1e6:.2f} EUR"
        self._upsert_audited(
            budget_t, "day", [row], (now, by, "budget", detail), keep={"spent_micro"}
        )

    def audit_log(self, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first."""
        query = select(audit_t).order_by(audit_t.c.at.desc(), audit_t.c.id.desc()).limit(limit)
        with outages_as_unavailable(), self._engine.connect() as connection:
            return [AuditEntry(**row._mapping) for row in connection.execute(query)]

    def _upsert_audited(
        self,
        table: Table,
        key: str,
        rows: list[dict[str, Any]],
        audit: tuple[datetime, str, str, str],
        keep: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        """Insert ``rows`` or overwrite the existing ones (but the ``keep`` columns), and log
        who did it, in one transaction."""
        statement = self._writes.insert(table).values(rows)
        updated = set(rows[0]) - {key} - set(keep)
        statement = statement.on_conflict_do_update(
            index_elements=[key], set_={name: statement.excluded[name] for name in updated}
        )
        with self._writes.begin() as connection:
            connection.execute(statement)
            self._log(connection, *audit)

    @staticmethod
    def _in_force(now: datetime) -> ColumnElement[bool]:
        return or_(pause_t.c.until.is_(None), pause_t.c.until > now)

    @staticmethod
    def _log(connection: Connection, now: datetime, actor: str, action: str, detail: str) -> None:
        connection.execute(
            insert(audit_t).values(at=now, actor=actor, action=action, detail=detail)
        )
