"""The reply delay: ``0`` answers inline, ``20m-60m`` waits a random time in that range.

A harasser often texts the number on the spot, in front of the person who gave it out. An
instant reply would tell him the truth while she is still there; a reply an unpredictable
while later does not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from replies.durations import parse_duration


@dataclass(frozen=True, slots=True)
class DelayRange:
    """Replies are due between ``low`` and ``high`` after the message arrived."""

    low: timedelta
    high: timedelta

    def draw(self, rng: random.Random) -> timedelta:
        """A delay drawn uniformly in the range."""
        span = (self.high - self.low).total_seconds()
        return self.low + timedelta(seconds=rng.uniform(0, span))


def parse_delay(text: str) -> DelayRange | None:
    """``None`` for ``0`` (inline replies), else the range; ``ValueError`` when malformed."""
    cleaned = text.strip()
    if cleaned == "0":
        return None
    low_text, dash, high_text = cleaned.partition("-")
    low = parse_duration(low_text)
    high = parse_duration(high_text) if dash else low
    if high < low:
        raise ValueError(f"{text!r}: the delay range must go from the shorter to the longer")
    return DelayRange(low, high)
