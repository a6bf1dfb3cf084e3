"""Flooding senders: past ``ANTIRELOUS_FLOOD_BLOCK`` a sender is blocked for a while.

One number sending dozens of messages a minute is a raid, never a person with something to
say: it is blocked automatically (stored, counted, never answered), its messages are kept as
evidence, and the operators may lift the block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from replies.durations import parse_duration

_LIMIT = re.compile(r"\s*(\d+)\s*/\s*(\S+)\s*")


@dataclass(frozen=True, slots=True)
class FloodLimit:
    """More than ``count`` messages within ``period`` from one sender is a flood."""

    count: int
    period: timedelta
    block_for: timedelta

    def window_start(self, now: datetime) -> datetime:
        """Messages received after this moment count towards the limit."""
        return now - self.period

    def exceeded_by(self, earlier_messages: int) -> bool:
        """Whether a message that follows ``earlier_messages`` within the period is too many."""
        return earlier_messages >= self.count


def parse_flood_limit(text: str, block_for: timedelta) -> FloodLimit | None:
    """``"10/5m"`` → more than 10 messages in 5 minutes; ``"0"`` or ``"off"`` → no limit."""
    if text.strip().lower() in {"0", "off", "none", ""}:
        return None
    match = _LIMIT.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a limit like 10/5m (messages/period) or off")
    count = int(match.group(1))
    if count < 1:
        raise ValueError("the message count of a flood limit must be at least 1 (or say off)")
    return FloodLimit(count=count, period=parse_duration(match.group(2)), block_for=block_for)
