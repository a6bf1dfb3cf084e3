"""What the server under a replay says of itself, read from its database.

The replay is judged by the server's own ledger (``antirelous stats``), its outbox and its
alert rows, not by what the simulator believes it caused. The database is only read: a
missing SQLite file is reported as unreachable rather than created empty, and any failure
makes the figures "unknown" instead of ending the replay.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.settings import Settings
from replies.ports import StoreUnavailable
from storage.alert_repository import AlertRepository
from storage.engine import create_db_engine, is_sqlite, sqlite_path
from storage.outbox_repository import OutboxRepository
from storage.stats import collect_stats

log = logging.getLogger("antirelous.simulate")
ALERT_KINDS = ("spike", "budget", "threat")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The ledger's totals and the outbox's depth at one moment."""

    replies: int
    spend_eur: float
    inbound: int
    queued: int


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert the server raised during the replay."""

    kind: str
    key: str
    created_at: datetime


class ServerView:
    """Reads the configured database; every method answers ``None`` when it cannot."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._engine: Engine | None = None
        self._missing = False

    def _open(self) -> Engine | None:
        if self._engine is None and not self._missing:
            url = self._settings.database_url
            path = sqlite_path(url) if is_sqlite(url) else None
            if is_sqlite(url) and (path is None or not path.exists()):
                log.warning("no database at %s: the server's figures are unknown", url)
                self._missing = True
                return None
            self._engine = create_db_engine(url, pool_size=1)
        return self._engine

    def snapshot(self) -> Snapshot | None:
        """The totals now, or ``None`` if the database cannot be read."""
        try:
            engine = self._open()
            if engine is None:
                return None
            figures: dict[str, Any] = collect_stats(
                engine, datetime.now(UTC).date(), self._settings.daily_budget_micro
            )
            queued, _ = OutboxRepository(engine).depth()
        except (SQLAlchemyError, StoreUnavailable) as error:
            log.warning("cannot read the server's figures: %s", type(error).__name__)
            return None
        return Snapshot(
            replies=int(figures["replies"]),
            spend_eur=float(figures["spend_eur"]),
            inbound=int(figures["inbound"]),
            queued=queued,
        )

    def alerts_since(self, since: datetime) -> list[AlertRow] | None:
        """Spike, budget and threat alerts created at or after ``since``, oldest first."""
        try:
            engine = self._open()
            if engine is None:
                return None
            raised = AlertRepository(engine).raised_since(since, ALERT_KINDS)
        except (SQLAlchemyError, StoreUnavailable) as error:
            log.warning("cannot read the alerts: %s", type(error).__name__)
            return None
        return [AlertRow(a.kind, a.key, _aware(a.created_at)) for a in raised]

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _aware(moment: datetime) -> datetime:
    """Some drivers hand back naive UTC; the report subtracts aware times."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
