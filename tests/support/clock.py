"""A clock the tests move by hand: no test ever sleeps to let time pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Callable like ``bots.clock.system_clock``; starts at a fixed, known moment."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 21, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
