"""Spike detection: telling a flood from a busy evening, per channel, from a minute of traffic.

A minute of a channel's traffic is compared with absolute floors (below them nothing is a
flood, however quiet the channel was) and with the channel's usual traffic, a moving average
(EWMA) of the minutes that were not a flood. A flood of insults shows as a high share of
abusive messages; a botnet of neutral messages as many new senders; either as replies that
cost money. Money decides the one automatic action: a pause when the day's budget would run
out within the hour (DESIGN.md), never on message rate alone.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from replies.types import Channel

#: The stretch of traffic each assessment looks at.
ACTIVITY_WINDOW = timedelta(minutes=1)
#: The stretch of reply spending the projection extrapolates from, when known.
SPENDING_WINDOW = timedelta(minutes=5)
#: Automatic pause when the budget would run out within this long at the current pace.
PROJECTION_HORIZON = timedelta(hours=1)
#: Budget shares (percent) the operators hear about, once each per day.
BUDGET_THRESHOLDS = (50, 80, 100)


@dataclass(frozen=True, slots=True)
class ChannelActivity:
    """A channel's traffic over ``ACTIVITY_WINDOW``."""

    channel: Channel
    inbound: int = 0
    senders: int = 0
    abusive: int = 0
    replies: int = 0
    reply_cost_micro: int = 0


@dataclass(frozen=True, slots=True)
class Baseline:
    """The channel's usual traffic per minute (moving averages of quiet minutes)."""

    inbound: float = 0.0
    senders: float = 0.0
    replies: float = 0.0


@dataclass(frozen=True, slots=True)
class SpikeRules:
    """When a minute of traffic is a flood. Floors are per minute."""

    min_inbound: int = 30
    min_senders: int = 20
    min_abusive: int = 10
    min_replies: int = 20
    growth: float = 5.0  # times the usual traffic
    abusive_share: float = 0.5
    smoothing: float = 0.05  # EWMA weight of one assessment (every 15 s: about 5 minutes)
    quiet_for: timedelta = timedelta(minutes=5)  # a flood is over after this long below


def spike_reasons(activity: ChannelActivity, usual: Baseline, rules: SpikeRules) -> list[str]:
    """Why the last minute of ``activity`` is a flood; empty when it is not."""
    reasons = []
    if activity.inbound >= max(rules.min_inbound, rules.growth * usual.inbound):
        reasons.append(f"{activity.inbound} messages a minute (usually {usual.inbound:.0f})")
    if activity.senders >= max(rules.min_senders, rules.growth * usual.senders):
        reasons.append(f"{activity.senders} senders a minute (usually {usual.senders:.0f})")
    if (
        activity.abusive >= rules.min_abusive
        and activity.abusive >= rules.abusive_share * activity.inbound
    ):
        share = 100 * activity.abusive / activity.inbound
        reasons.append(f"{share:.0f} % abusive ({activity.abusive} insults or threats)")
    if activity.replies >= max(rules.min_replies, rules.growth * usual.replies):
        reasons.append(f"{activity.replies} replies a minute (usually {usual.replies:.0f})")
    return reasons


def next_baseline(usual: Baseline, activity: ChannelActivity, rules: SpikeRules) -> Baseline:
    """``usual`` moved towards a quiet minute of ``activity`` (floods are never learnt)."""
    weight = rules.smoothing

    def blend(old: float, new: int) -> float:
        return (1 - weight) * old + weight * new

    return Baseline(
        inbound=blend(usual.inbound, activity.inbound),
        senders=blend(usual.senders, activity.senders),
        replies=blend(usual.replies, activity.replies),
    )


@dataclass(frozen=True, slots=True)
class ChannelState:
    """The detector's memory of one channel, kept between runs."""

    channel: Channel
    usual: Baseline = field(default_factory=Baseline)
    episode_started_at: datetime | None = None
    quiet_since: datetime | None = None


class Episode(Enum):
    """What one assessment did to the channel's flood episode."""

    NONE = "none"  # quiet, and no flood under way: the usual traffic was learnt
    UNDER_WAY = "under_way"  # a flood (started now or earlier) goes on
    QUIETING = "quieting"  # a flood is quiet, not yet for long enough to be over
    OVER = "over"  # quiet for ``quiet_for``: the flood has ended


@dataclass(frozen=True, slots=True)
class Assessment:
    """The channel's next state, what happened to its episode, and why."""

    state: ChannelState
    episode: Episode
    reasons: list[str]
    started: datetime | None  # when the episode began (for UNDER_WAY and OVER)


def assess(
    state: ChannelState, activity: ChannelActivity, rules: SpikeRules, now: datetime
) -> Assessment:
    """Open, extend or close the channel's flood episode; learn quiet traffic."""
    reasons = spike_reasons(activity, state.usual, rules)
    started = state.episode_started_at
    if reasons:
        started = started or now
        ongoing = replace(state, episode_started_at=started, quiet_since=None)
        return Assessment(ongoing, Episode.UNDER_WAY, reasons, started)
    if started is None:
        learnt = replace(state, usual=next_baseline(state.usual, activity, rules))
        return Assessment(learnt, Episode.NONE, [], None)
    quiet_since = state.quiet_since or now
    if now - quiet_since < rules.quiet_for:
        return Assessment(replace(state, quiet_since=quiet_since), Episode.QUIETING, [], started)
    over = replace(state, episode_started_at=None, quiet_since=None)
    return Assessment(over, Episode.OVER, [], started)


def projected_spend(spent_micro: int, per_minute_micro: float) -> int:
    """Today's spend after ``PROJECTION_HORIZON`` more at ``per_minute_micro``."""
    minutes = PROJECTION_HORIZON / timedelta(minutes=1)
    return spent_micro + int(per_minute_micro * minutes)


def budget_runs_out_soon(spent_micro: int, per_minute_micro: float, cap_micro: int) -> bool:
    """Whether the budget, not yet spent, would be within the hour at the current pace."""
    if per_minute_micro <= 0 or spent_micro >= cap_micro:
        return False
    return projected_spend(spent_micro, per_minute_micro) >= cap_micro


def budget_percent(spent_micro: int, cap_micro: int, refused_today: bool) -> int:
    """How much of the cap is spent; 100 once a reply was refused for want of budget."""
    if refused_today:
        return 100
    return min(100, spent_micro * 100 // cap_micro) if cap_micro > 0 else 0


def thresholds_reached(percent: int, already_told: int) -> list[int]:
    """The budget thresholds crossed since the operators were last told."""
    return [t for t in BUDGET_THRESHOLDS if already_told < t <= percent]


class SpendingPace:
    """How fast today's budget is being spent, from the day's spend at earlier runs.

    Reading the day's total is one row; summing five minutes of replies would scan every
    message of a flood. Until this process has runs that far back (it just started, or the
    other replicas ran the ticks), the last minute's replies give the pace.
    """

    def __init__(self) -> None:
        self._samples: deque[tuple[datetime, int]] = deque()

    def per_minute(self, now: datetime, spent_micro: int, last_minute_micro: int) -> float:
        while self._samples and now - self._samples[0][0] > SPENDING_WINDOW:
            self._samples.popleft()
        if self._samples and self._samples[0][0].date() != now.date():
            self._samples.clear()  # a new day, a new budget
        pace: float = last_minute_micro
        if self._samples and now - self._samples[0][0] >= ACTIVITY_WINDOW:
            then, spent_then = self._samples[0]
            minutes = (now - then) / ACTIVITY_WINDOW
            pace = max(0, spent_micro - spent_then) / minutes
        self._samples.append((now, spent_micro))
        return pace
