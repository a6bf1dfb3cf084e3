"""What the core needs from the outside world, as Protocols that storage and bots implement."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from replies.evidence import SealedEvidence
from replies.policy import SenderFacts
from replies.types import Channel, Decision, Label, Outcome, ReplyStatus

#: Returns the current time, timezone-aware in UTC. Injected so tests never sleep.
Clock = Callable[[], datetime]


class StoreUnavailable(Exception):
    """The database cannot be reached. The webhook answers 503 so that the platform retries."""


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """An inbound message as it is stored: the sender only as a pseudonym."""

    channel: Channel
    provider_id: str
    received_at: datetime
    receiver: str
    sender: str
    body: str
    media_count: int
    segments: int
    label: Label
    outcome: Outcome
    inbound_cost_micro: int


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """A reply committed for a message, with its estimated cost in micro-euros."""

    channel: Channel
    sender: str
    created_at: datetime
    body: str
    segments: int
    cost_micro: int
    status: ReplyStatus = ReplyStatus.INLINE
    due_at: datetime | None = None  # queued replies only
    recipient: bytes | None = None  # queued replies only: the sealed address to send to


class ReplyTransaction(Protocol):
    """The steps of the one transaction that decides a message, run on one connection."""

    def sender_facts(
        self,
        sender: str,
        number: str,
        channel: Channel,
        now: datetime,
        recent_since: datetime | None = None,
        recent_cap: int = 0,
        abusive_since: datetime | None = None,
    ) -> SenderFacts:
        """Whether ``sender`` is blocked, ``number`` (channel-free pseudonym) asked to stop,
        ``channel`` is paused or flooded, at ``now``; how many messages ``sender`` sent
        after ``recent_since`` (counted up to ``recent_cap``: enough to tell a flood); whether
        one they sent after ``abusive_since`` was labelled abusive."""
        ...

    def set_opt_out(self, number: str, opted_out: bool, now: datetime) -> None:
        """Record STOP (``True``) or START (``False``) for every channel of ``number``."""
        ...

    def claim_window(self, sender: str, now: datetime, until: datetime) -> bool:
        """Open the sender's reply window unless one is open already; ``False`` if it is."""
        ...

    def release_window(self, sender: str) -> None:
        """Close a window opened in this transaction by a reply that will not go."""
        ...

    def claim_budget(self, day: date, cost_micro: int, default_cap_micro: int) -> bool:
        """Add ``cost_micro`` to the day's spend if it stays within the cap; ``False`` if not."""
        ...

    def block_automatically(self, sender: str, now: datetime, until: datetime, why: str) -> None:
        """Block a flooding ``sender`` until ``until``, in the audit log as ``auto``."""
        ...

    def record(
        self,
        message: MessageRecord,
        reply: ReplyRecord | None,
        evidence: SealedEvidence | None = None,
    ) -> bool:
        """Store the message, its reply and its sealed evidence; ``False`` if the message was
        stored before (nothing is written then)."""
        ...


class ReplyStore(Protocol):
    """Transactions, and the stored answer for a redelivered message."""

    def transaction(self) -> AbstractContextManager[ReplyTransaction]:
        """A transaction that commits when the block ends and rolls back on an exception."""
        ...

    def stored_decision(self, channel: Channel, provider_id: str) -> Decision | None:
        """The decision stored for a message, or ``None`` if there is none."""
        ...

    def sender_facts(
        self, sender: str, number: str, channel: Channel, now: datetime
    ) -> SenderFacts:
        """``ReplyTransaction.sender_facts`` on its own (the outbox checks them at send time)."""
        ...
