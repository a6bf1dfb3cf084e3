"""The scheduled jobs of ``antirelous serve``, on APScheduler's background thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from replies.ports import StoreUnavailable

log = logging.getLogger("antirelous.jobs")
# APScheduler logs every run at INFO: two lines every two seconds would drown everything else.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _quietly(name: str, job: Callable[[], Any]) -> Callable[[], None]:
    """A database outage is expected now and then: one line, not a traceback per tick."""

    def run() -> None:
        try:
            job()
        except StoreUnavailable as error:
            log.warning("%s skipped: database unavailable (%s)", name, error)

    return run


def start_scheduler(jobs: dict[str, tuple[Callable[[], Any], float]]) -> BackgroundScheduler:
    """Run each ``name: (job, interval in seconds)`` now, then every interval.

    A run that overlaps the previous one is skipped (``max_instances=1``), and missed runs
    are merged into one (``coalesce``).
    """
    scheduler = BackgroundScheduler(timezone=UTC)
    for name, (job, interval) in jobs.items():
        scheduler.add_job(
            _quietly(name, job),
            "interval",
            seconds=interval,
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    scheduler.start()
    return scheduler


def run_soon(scheduler: BackgroundScheduler, name: str) -> None:
    """Run job ``name`` now rather than at its next tick (a burst was seen)."""
    scheduler.modify_job(name, next_run_time=datetime.now(UTC))
