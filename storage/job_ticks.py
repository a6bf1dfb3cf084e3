"""Claims that make each scheduled job do its work once per tick, whichever replica runs it.

APScheduler's job stores must not be shared between schedulers, so every replica runs its own
scheduler and the database decides: the first replica to insert ``(job, tick)`` runs that
tick, the others skip it. A dead replica claims nothing more, so the next tick goes to another.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import Engine, delete

from storage.tables import JobTick
from storage.writes import Writes

tick_t = JobTick.__table__  # type: ignore[attr-defined]

#: Claims older than this many ticks of their job are deleted now and then.
KEEP_TICKS = 1000


class JobTicks:
    """Inserts claims; a claim that already exists is somebody else's tick."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        """``writer_lock``: the responder store's (see ``storage.writes``)."""
        self._engine = engine
        self._writes = Writes(engine, writer_lock)

    def claim(self, job: str, tick: int, now: datetime) -> bool:
        """Whether this caller runs ``job`` for ``tick``."""
        statement = (
            self._writes.insert(tick_t)
            .values(job=job, tick=tick, claimed_at=now)
            .on_conflict_do_nothing()
            .returning(tick_t.c.tick)
        )
        with self._writes.begin() as connection:
            claimed = connection.execute(statement).first() is not None
            if claimed and tick % KEEP_TICKS == 0:
                connection.execute(
                    delete(tick_t).where(tick_t.c.job == job, tick_t.c.tick < tick - KEEP_TICKS)
                )
        return claimed
