"""On SQLite, which one process serves, a job's ticks are claimed in that process."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.jobs import ProcessTicks

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_a_tick_runs_once_and_each_job_has_its_own() -> None:
    ticks = ProcessTicks()
    assert ticks.claim("spikes", 100, NOW)
    assert not ticks.claim("spikes", 100, NOW)  # the scheduler fired twice in one tick
    assert ticks.claim("outbox", 100, NOW)
    assert ticks.claim("spikes", 101, NOW)
    assert ticks.claim("spikes", 100, NOW)  # the clock stepped back: run rather than stall
