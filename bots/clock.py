"""The system clock, the only place that reads the real time."""

from __future__ import annotations

from datetime import UTC, datetime


def system_clock() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)
