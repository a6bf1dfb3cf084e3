"""The scheduled jobs of ``antirelous serve``, on APScheduler's background thread.

Every replica runs the same scheduler; a claim per tick in the database (``storage.job_ticks``)
makes each job do its work once per tick across all of them. On SQLite, which one process
serves, the claims stay in that process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler

from replies.ports import StoreUnavailable

log = logging.getLogger("antirelous.jobs")
# APScheduler logs every run at INFO: two lines every two seconds would drown everything else.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

#: A job run out of turn (a burst woke the spike detector) claims ticks of this length.
SOON_TICK_S = 30.0


class TickClaims(Protocol):
    """Who runs a job's tick: ``storage.job_ticks.JobTicks`` across replicas, else one process."""

    def claim(self, job: str, tick: int, now: datetime) -> bool:
        """Whether this caller runs ``job`` for ``tick``."""


class ProcessTicks:
    """The claims of a database that one process serves (SQLite), kept in that process.

    Nobody else can claim a tick of it, and a claim written to it would take the writer lock
    from the webhooks every second or so for nothing.
    """

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def claim(self, job: str, tick: int, now: datetime) -> bool:
        """Whether ``job`` has not run ``tick`` yet in this process."""
        with self._lock:
            if self._last.get(job) == tick:
                return False
            self._last[job] = tick
            return True


@dataclass(frozen=True, slots=True)
class Job:
    """A job and how often it runs."""

    work: Callable[[], Any]
    interval_s: float


class Jobs:
    """The scheduler, the jobs it runs, and the claims that keep each tick to one replica."""

    def __init__(self, jobs: dict[str, Job], ticks: TickClaims) -> None:
        self._jobs = jobs
        self._ticks = ticks
        self._scheduler = BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        """Run each job now, then every interval. A run that overlaps the previous one is
        skipped (``max_instances=1``), and missed runs are merged into one (``coalesce``)."""
        for name, job in self._jobs.items():
            self._scheduler.add_job(
                self._once_per_tick(name, job.interval_s),
                "interval",
                seconds=job.interval_s,
                id=name,
                name=name,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(UTC),
            )
        self._scheduler.start()

    def run_soon(self, name: str) -> None:
        """Run job ``name`` now, out of turn (at most once per ``SOON_TICK_S`` everywhere)."""
        self._scheduler.add_job(
            self._once_per_tick(name, SOON_TICK_S, claim_as=f"{name}:soon"),
            id=f"{name}:soon",
            name=f"{name}:soon",
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=True)

    def _once_per_tick(
        self, name: str, interval_s: float, claim_as: str | None = None
    ) -> Callable[[], None]:
        work = self._jobs[name].work

        def run() -> None:
            now = time.time()
            tick = int(now // interval_s)
            try:
                if self._ticks.claim(claim_as or name, tick, datetime.fromtimestamp(now, UTC)):
                    work()
            except StoreUnavailable as error:
                # A database outage is expected now and then: one line, not a traceback.
                log.warning("%s skipped: database unavailable (%s)", name, error)

        return run
