"""What the spike detector reads and keeps: a minute of traffic per channel, its state between
runs, and the day's budget with the thresholds already announced.

Everything is in the database, so that whichever replica runs the detector sees the same
traffic, and an episode opened by one is honoured by every replica's hot path (the flood
evidence).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, case, func, select, text, update

from replies.abuse.spikes import Baseline, ChannelActivity, ChannelState
from replies.types import REPLY_OUTCOMES, Channel, Label, Outcome
from storage.errors import outages_as_unavailable
from storage.tables import Block, BudgetDay, Message, SpikeState
from storage.writes import Writes

message_t = Message.__table__  # type: ignore[attr-defined]
state_t = SpikeState.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]
block_t = Block.__table__  # type: ignore[attr-defined]


THREATS = text(f"message.label = '{Label.THREAT.value}'")
REFUSED = text(f"message.outcome = '{Outcome.BUDGET.value}'")
#: The most messages one assessment counts (see ``SpikeRepository.activity``).
ACTIVITY_SAMPLE = 1000


@dataclass(frozen=True, slots=True)
class BudgetToday:
    """The day's spend against its cap, and the highest share the operators were told of."""

    spent_micro: int
    cap_micro: int
    alerted_percent: int
    refused: bool  # a paid reply was refused today for want of budget


@dataclass(frozen=True, slots=True)
class ThreatSeen:
    """A message labelled threat: the operators hear of it, never its text unasked."""

    message_id: int
    channel: Channel
    sender: str
    received_at: datetime


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class SpikeRepository:
    """Reads traffic and keeps the detector's state."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        """``writer_lock``: the responder store's (see ``storage.writes``)."""
        self._engine = engine
        self._writes = Writes(engine, writer_lock)
        # One statement for every save, run once per row: compiled once, then cached (a
        # multi-row VALUES would be a new statement, compiled under the writer lock, each run).
        upsert = self._writes.insert(state_t)
        self._save_state = upsert.on_conflict_do_update(
            index_elements=["channel"],
            set_={c.name: upsert.excluded[c.name] for c in state_t.columns if not c.primary_key},
        )

    def activity(self, since: datetime, until: datetime) -> dict[Channel, ChannelActivity]:
        """Each channel's traffic received in ``(since, until]`` (every channel present).

        Only the newest ``ACTIVITY_SAMPLE`` messages are counted: past that a minute is a flood
        whatever they say, and counting every message of a big one would take the detector
        tens of milliseconds of the webhooks' CPU on every run.
        """
        recent = (
            select(
                message_t.c.channel,
                message_t.c.sender,
                message_t.c.label,
                message_t.c.outcome,
                message_t.c.reply_cost_micro,
            )
            .where(message_t.c.received_at > since, message_t.c.received_at <= until)
            .order_by(message_t.c.received_at.desc())
            .limit(ACTIVITY_SAMPLE)
            .subquery()
        )
        query = select(
            recent.c.channel,
            func.count(),
            func.count(recent.c.sender.distinct()),
            _count_if(recent.c.label != Label.OK.value),
            _count_if(recent.c.outcome.in_([o.value for o in REPLY_OUTCOMES])),
            func.coalesce(func.sum(recent.c.reply_cost_micro), 0),
        ).group_by(recent.c.channel)
        found = {channel: ChannelActivity(channel) for channel in Channel}
        with outages_as_unavailable(), self._engine.connect() as connection:
            for name, inbound, senders, abusive, replies, cost in connection.execute(query):
                channel = Channel(name)
                found[channel] = ChannelActivity(
                    channel, int(inbound), int(senders), int(abusive), int(replies), int(cost)
                )
        return found

    def threats(self, since: datetime, until: datetime) -> list[ThreatSeen]:
        """Messages labelled threat received in ``(since, until]``, oldest first."""
        query = (
            select(message_t.c.id, message_t.c.channel, message_t.c.sender, message_t.c.received_at)
            .where(
                THREATS,  # as a literal, so that the partial index of threats serves it
                message_t.c.received_at > since,
                message_t.c.received_at <= until,
            )
            .order_by(message_t.c.received_at)
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            return [
                ThreatSeen(row.id, Channel(row.channel), row.sender, row.received_at)
                for row in connection.execute(query)
            ]

    def blocked_automatically(self, since: datetime) -> int:
        """Senders the flood check blocked after ``since``."""
        query = select(func.count()).where(
            block_t.c.automatic.is_(True), block_t.c.blocked_at > since
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def states(self) -> dict[Channel, ChannelState]:
        """The detector's state of every channel (a fresh one for a channel never seen)."""
        found = {channel: ChannelState(channel) for channel in Channel}
        with outages_as_unavailable(), self._engine.connect() as connection:
            for row in connection.execute(select(state_t)):
                channel = Channel(row.channel)
                usual = Baseline(
                    row.inbound_per_minute, row.senders_per_minute, row.replies_per_minute
                )
                found[channel] = ChannelState(
                    channel, usual, row.episode_started_at, row.quiet_since
                )
        return found

    def save(self, states: list[ChannelState], now: datetime) -> None:
        """Keep ``states`` for the next run (the caller passes the ones that changed)."""
        if not states:
            return
        rows = [
            {
                "channel": state.channel.value,
                "updated_at": now,
                "inbound_per_minute": state.usual.inbound,
                "senders_per_minute": state.usual.senders,
                "replies_per_minute": state.usual.replies,
                "episode_started_at": state.episode_started_at,
                "quiet_since": state.quiet_since,
            }
            for state in states
        ]
        with self._writes.begin() as connection:
            connection.execute(self._save_state, rows)

    def budget_today(self, day: date, default_cap_micro: int, day_start: datetime) -> BudgetToday:
        """The day's spend and cap (the setting's until a reply or Slack sets the day's row)."""
        row_query = select(
            budget_t.c.spent_micro, budget_t.c.cap_micro, budget_t.c.alerted_percent
        ).where(budget_t.c.day == day.isoformat())
        refused_query = select(message_t.c.id).where(
            REFUSED,  # a literal: the partial index of refusals serves it
            message_t.c.received_at >= day_start,
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            row = connection.execute(row_query).first()
            refused = connection.execute(refused_query.limit(1)).first() is not None
        if row is None:
            return BudgetToday(0, default_cap_micro, 0, refused)
        return BudgetToday(int(row[0]), int(row[1]), int(row[2]), refused)

    def claim_budget_alert(self, day: date, default_cap_micro: int, percent: int) -> bool:
        """Record that the operators are told of ``percent``; ``False`` if they already were
        (by another replica, or an earlier run)."""
        day_row = {"day": day.isoformat(), "cap_micro": default_cap_micro, "spent_micro": 0}
        ensure = self._writes.insert(budget_t).values(day_row).on_conflict_do_nothing()
        claim = (
            update(budget_t)
            .where(budget_t.c.day == day.isoformat(), budget_t.c.alerted_percent < percent)
            .values(alerted_percent=percent)
            .returning(budget_t.c.day)
        )
        with self._writes.begin() as connection:
            connection.execute(ensure)
            return connection.execute(claim).first() is not None
