"""What an attempt to send a queued reply came to, whatever the platform.

What matters is telling apart a failure that proves nothing was sent (the connection was
refused, the platform said "too many requests") from one after which the message may have
gone (a read timeout, a server error, a connection lost mid-request). Only the first kind may
be retried: a reply sent twice is a reply paid twice, and a second message to someone who was
told no.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from replies.types import Channel


class SendOutcome(StrEnum):
    """What became of one attempt."""

    SENT = "sent"
    RETRY = "retry"  # provably not sent: try again later
    UNKNOWN = "unknown"  # maybe sent: never try again
    FAILED = "failed"  # refused by the platform: nothing was sent, nothing will be


@dataclass(frozen=True, slots=True)
class SendResult:
    """An attempt's outcome, the platform's message id when sent, an error code or reason."""

    outcome: SendOutcome
    provider_id: str | None = None
    error: str | None = None
    retry_after_s: float | None = None


class ReplySender(Protocol):
    """Sends one reply through one platform's API."""

    def send(self, channel: Channel, to: str, sender: str, body: str) -> SendResult:
        """One attempt to send ``body`` to ``to`` (from our ``sender`` address)."""
        ...
