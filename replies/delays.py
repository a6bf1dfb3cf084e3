"""The reply delay: ``0`` answers inline, ``20m-60m`` waits a random time in that range.

A harasser often texts the number on the spot, in front of the person who gave it out. An
instant reply would tell him the truth while she is still there; a reply an unpredictable
while later does not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from replies.durations import parse_duration
from replies.types import Channel

#: WhatsApp allows a free-form reply only within 24 hours of the person's message.
WHATSAPP_REPLY_LIMIT = timedelta(hours=23)
#: A reply due while the process was down is still sent this long after the range's end.
LATE_GRACE = timedelta(minutes=5)


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


def send_deadline(
    channel: Channel, received_at: datetime, due_at: datetime, delay: DelayRange | None
) -> datetime:
    """The last moment a queued reply may still go; after it, it is dropped as expired."""
    if channel is Channel.WHATSAPP:
        return received_at + WHATSAPP_REPLY_LIMIT
    latest = delay.high if delay else timedelta()
    return max(received_at + latest, due_at) + LATE_GRACE
