"""The spike detector's job: every 15 s (and at once when the hot path sees a burst), assess
each channel's last minute, tell Slack of floods and of the budget, pause on projected spend.

Alerts are stored (``storage.alert_repository``) and delivered by the alerts job; a flood is
one alert per channel, updated in place while it lasts, with the Pause/Resume buttons.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine

from bots.settings import Settings
from replies.abuse.spikes import (
    ACTIVITY_WINDOW,
    ChannelActivity,
    ChannelState,
    Episode,
    SpendingPace,
    SpikeRules,
    assess,
    budget_percent,
    budget_runs_out_soon,
    projected_spend,
    thresholds_reached,
)
from replies.ports import Clock
from replies.pseudonyms import public_ref
from replies.types import PAID_CHANNELS
from storage.alert_repository import AlertRepository
from storage.control_repository import ControlRepository
from storage.spike_repository import SpikeRepository
from storage.stats import eur

log = logging.getLogger("antirelous.spikes")

SPIKES_INTERVAL_S = 15.0
#: A flood is one Slack message, kept current in place while it lasts (up to this long).
EPISODE_ALERT_LASTS = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SpikePolicy:
    """What the operators configured: the budget, and whether money may pause the line."""

    daily_budget_micro: int
    auto_pause: bool
    auto_pause_lasts: timedelta | None  # None: until someone resumes
    rules: SpikeRules = field(default_factory=SpikeRules)


def _figures(activity: ChannelActivity) -> str:
    return (
        f"last minute: {activity.inbound} messages from {activity.senders} senders, "
        f"{activity.abusive} abusive, {activity.replies} replies"
    )


def _episode_key(channel: str, started: datetime) -> str:
    return f"spike:{channel}:{started:%Y%m%dT%H%M%S}"


class SpikeWatch:
    """One assessment per run; the state between runs lives in the database."""

    def __init__(
        self,
        spikes: SpikeRepository,
        alerts: AlertRepository,
        controls: ControlRepository,
        policy: SpikePolicy,
        clock: Clock,
    ) -> None:
        self._spikes = spikes
        self._alerts = alerts
        self._controls = controls
        self._policy = policy
        self._clock = clock
        # Threats are alerted once each by this process; after a restart the last minute is
        # looked at again (an alert too many rather than one missed).
        self._threats_seen_until: datetime | None = None
        self._spending = SpendingPace()

    def run_once(self) -> None:
        now = self._clock()
        self._alert_threats(now)
        activity = self._spikes.activity(now - ACTIVITY_WINDOW, now)
        blocked = self._spikes.blocked_automatically(now - ACTIVITY_WINDOW)
        states = self._spikes.states()
        updated = [
            self._assess(states[channel], activity[channel], blocked, now) for channel in states
        ]
        # Unchanged states are not written again: during a flood (whose baseline is frozen)
        # and on a silent channel that is every run, and every write waits for the webhooks'
        # writer lock and makes them wait for it.
        self._spikes.save([state for state in updated if state != states[state.channel]], now)
        paid = sum(activity[c].reply_cost_micro for c in PAID_CHANNELS)
        self._watch_budget(now, paid)

    def _alert_threats(self, now: datetime) -> None:
        """One alert per threat, coalesced per channel in a flood; its text only on demand."""
        since = self._threats_seen_until or now - ACTIVITY_WINDOW
        for threat in self._spikes.threats(since, now):
            self._alerts.raise_alert(
                "threat",
                f"threat:{threat.channel.value}",
                f":warning: A threat on *{threat.channel.value}* from sender "
                f"`{public_ref(threat.sender)}` at {threat.received_at:%H:%M:%S} UTC. It was "
                "not answered; it is kept as evidence when an evidence key is set. "
                "*Show* reveals it to you alone.",
                now,
                message_id=threat.message_id,
            )
        self._threats_seen_until = now

    def _assess(
        self, state: ChannelState, activity: ChannelActivity, blocked: int, now: datetime
    ) -> ChannelState:
        """Tell Slack of the channel's flood, while it lasts and when it is over."""
        result = assess(state, activity, self._policy.rules, now)
        channel = activity.channel.value
        started = result.started
        if result.episode is Episode.UNDER_WAY and started is not None:
            if state.episode_started_at is None:
                log.warning("flood on %s: %s", channel, "; ".join(result.reasons))
            blocks = f"; {blocked} senders blocked automatically" if blocked else ""
            self._alerts.raise_alert(
                "spike",
                _episode_key(channel, started),
                f":rotating_light: Flood on *{channel}* since {started:%H:%M:%S} UTC: "
                f"{'; '.join(result.reasons)} ({_figures(activity)}{blocks}). "
                "Nothing abusive is answered; every message is kept.",
                now,
                within=EPISODE_ALERT_LASTS,
            )
        elif result.episode is Episode.OVER and started is not None:
            self._alerts.raise_alert(
                "spike",
                _episode_key(channel, started),
                f":white_check_mark: The flood on *{channel}* that began at "
                f"{started:%H:%M:%S} UTC is over ({_figures(activity)}).",
                now,
                within=EPISODE_ALERT_LASTS,
            )
        return result.state

    def _watch_budget(self, now: datetime, paid_last_minute: int) -> None:
        """Tell the operators at 50, 80 and 100 %; pause paid channels on projected spend."""
        day = now.date()
        day_start = datetime.combine(day, time(), tzinfo=UTC)
        default_cap = self._policy.daily_budget_micro
        budget = self._spikes.budget_today(day, default_cap, day_start)
        percent = budget_percent(budget.spent_micro, budget.cap_micro, budget.refused)
        spent = f"{eur(budget.spent_micro):.2f} of {eur(budget.cap_micro):.2f} EUR"
        for threshold in thresholds_reached(percent, budget.alerted_percent):
            if self._spikes.claim_budget_alert(day, default_cap, threshold):
                ending = (
                    "paid channels answer nothing more today."
                    if threshold == 100
                    else "replies go on."
                )
                self._alerts.raise_alert(
                    "budget",
                    f"budget:{day.isoformat()}:{threshold}",
                    f":moneybag: {threshold} % of today's budget spent ({spent}): {ending}",
                    now,
                    coalesce=False,
                )
        pace = self._spending.per_minute(now, budget.spent_micro, paid_last_minute)
        if not self._policy.auto_pause or not budget_runs_out_soon(
            budget.spent_micro, pace, budget.cap_micro
        ):
            return
        lasts = self._policy.auto_pause_lasts
        projected = eur(projected_spend(budget.spent_micro, pace))
        why = f"projected spend {projected:.2f} EUR within the hour, budget {spent}"
        paused = self._controls.pause_automatically(
            sorted(PAID_CHANNELS), now=now, until=now + lasts if lasts else None, why=why
        )
        if paused:
            names = ", ".join(channel.value for channel in paused)
            until = f" until {(now + lasts):%H:%M} UTC" if lasts else " until someone resumes"
            log.warning("automatic pause of %s: %s", names, why)
            self._alerts.raise_alert(
                "auto_pause",
                "auto_pause:all",
                f":double_vertical_bar: Paused {names} automatically{until}: {why}.",
                now,
            )


def build_spike_watch(
    settings: Settings,
    engine: Engine,
    alerts: AlertRepository,
    clock: Clock,
    writer_lock: AbstractContextManager[object] | None = None,
) -> SpikeWatch:
    """The detector on ``engine``, configured from ``settings``."""
    policy = SpikePolicy(
        daily_budget_micro=settings.daily_budget_micro,
        auto_pause=settings.auto_pause,
        auto_pause_lasts=settings.auto_pause_lasts,
    )
    spikes = SpikeRepository(engine, writer_lock)
    return SpikeWatch(spikes, alerts, ControlRepository(engine, writer_lock), policy, clock)
