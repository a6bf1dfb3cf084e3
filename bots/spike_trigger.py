"""The hot path's cheap flood check: a burst of messages wakes the spike detector at once.

The detector runs every 15 s anyway; this only shortens the wait when a burst begins. A burst
that goes on wakes it no more: its regular runs follow it, and each extra run would take the
webhooks' CPU for tens of milliseconds. It costs a few integer operations per message and
never touches the database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from replies.types import Channel

#: A burst: this many messages on one channel within ``BURST_SECONDS``…
BURST_MESSAGES = 20
BURST_SECONDS = 10.0
#: …wakes the detector, at most once per this many seconds.
WAKE_AT_MOST_EVERY_S = 30.0


class SpikeTrigger:
    """Counts messages per channel in short buckets; calls ``wake`` on a burst."""

    def __init__(
        self,
        wake: Callable[[], None] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wake = wake
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._bucket_start: dict[Channel, float] = {}
        self._count: dict[Channel, int] = {}
        self._bursting: dict[Channel, bool] = {}  # the last bucket, just before, was a burst
        self._last_wake = float("-inf")

    def connect(self, wake: Callable[[], None] | None) -> None:
        """Set what waking means (the scheduler exists only once the app has started)."""
        self._wake = wake

    def note(self, channel: Channel) -> None:
        """Count one message on ``channel``; wake the detector if that makes a burst."""
        now = self._monotonic()
        with self._lock:
            started = self._bucket_start.get(channel, float("-inf"))
            if now - started > BURST_SECONDS:
                self._bursting[channel] = (
                    self._count.get(channel, 0) >= BURST_MESSAGES
                    and now - started <= 2 * BURST_SECONDS
                )
                self._bucket_start[channel] = now
                self._count[channel] = 0
            self._count[channel] += 1
            if (
                self._count[channel] != BURST_MESSAGES  # once per bucket
                or self._bursting[channel]
                or now - self._last_wake < WAKE_AT_MOST_EVERY_S
                or self._wake is None
            ):
                return
            self._last_wake = now
            wake = self._wake
        wake()
