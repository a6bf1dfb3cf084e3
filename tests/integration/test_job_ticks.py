"""Scheduled jobs do their work once per tick, whichever replica (engine) claims it first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from storage.engine import create_db_engine
from storage.job_ticks import KEEP_TICKS, JobTicks
from storage.tables import JobTick
from tests.support.databases import migrate_database

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """Two engines on one database, as two replicas would have."""
    migrate_database(database_url)
    made = [create_db_engine(database_url, pool_size=4) for _ in range(2)]
    yield made
    for engine in made:
        engine.dispose()


def test_a_tick_is_claimed_once_and_each_job_has_its_own(engines: list[Engine]) -> None:
    first, second = (JobTicks(engine) for engine in engines)
    assert first.claim("spikes", 100, NOW)
    assert not second.claim("spikes", 100, NOW)
    assert not first.claim("spikes", 100, NOW)
    assert second.claim("spikes", 101, NOW)  # the next tick: whoever comes first
    assert second.claim("outbox", 100, NOW)


def test_replicas_racing_for_the_same_ticks_run_each_once(engines: list[Engine]) -> None:
    won: list[tuple[int, int]] = []
    start = threading.Barrier(8)

    def replica(index: int) -> None:
        ticks = JobTicks(engines[index % 2])
        start.wait()
        won.extend((tick, index) for tick in range(50) if ticks.claim("alerts", tick, NOW))

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(tick for tick, _ in won) == list(range(50))


def test_old_claims_are_deleted_as_ticks_go_by(engines: list[Engine]) -> None:
    ticks = JobTicks(engines[0])
    for tick in (1, 2, 3, KEEP_TICKS + 5, 2 * KEEP_TICKS):
        assert ticks.claim("outbox", tick, NOW)
    with engines[0].connect() as connection:
        left = connection.execute(select(func.count()).select_from(JobTick.__table__)).scalar()  # type: ignore[attr-defined]
    assert left == 2
