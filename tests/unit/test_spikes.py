"""Telling a flood from a busy evening, and money from rate: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bots.spike_trigger import BURST_MESSAGES, SpikeTrigger
from replies.abuse.flooding import parse_flood_limit
from replies.abuse.spikes import (
    Baseline,
    ChannelActivity,
    SpendingPace,
    SpikeRules,
    budget_percent,
    budget_runs_out_soon,
    next_baseline,
    spike_reasons,
    thresholds_reached,
)
from replies.types import Channel

RULES = SpikeRules()
QUIET = Baseline()


def minute(
    inbound: int = 0, senders: int = 0, abusive: int = 0, replies: int = 0
) -> ChannelActivity:
    return ChannelActivity(Channel.SMS, inbound, senders, abusive, replies, replies * 160_000)


def test_a_quiet_minute_is_no_flood_however_quiet_the_channel_was() -> None:
    assert spike_reasons(minute(12, 12, 1, 12), QUIET, RULES) == []


def test_a_raid_of_insults_from_few_numbers_is_a_flood_by_its_abusive_share() -> None:
    reasons = spike_reasons(minute(25, 6, 20, 0), QUIET, RULES)
    assert reasons == ["80 % abusive (20 insults or threats)"]


def test_a_botnet_of_neutral_messages_is_a_flood_by_its_senders_and_replies() -> None:
    reasons = spike_reasons(minute(60, 60, 0, 60), QUIET, RULES)
    assert [reason.split(" a minute")[0] for reason in reasons[:3]] == [
        "60 messages",
        "60 senders",
        "60 replies",
    ]


def test_a_channel_that_is_usually_busy_needs_five_times_its_usual_traffic() -> None:
    busy = Baseline(inbound=40, senders=35, replies=30)
    assert spike_reasons(minute(150, 120, 0, 100), busy, RULES) == []
    assert spike_reasons(minute(200, 175, 0, 150), busy, RULES) != []


def test_the_usual_traffic_learns_quiet_minutes_slowly() -> None:
    usual = QUIET
    for _ in range(20):  # five minutes of runs every 15 s
        usual = next_baseline(usual, minute(10, 10, 0, 10), RULES)
    assert 6 < usual.inbound < 7


def test_money_pauses_only_when_the_budget_would_run_out_within_the_hour() -> None:
    cap = 20_000_000
    assert budget_runs_out_soon(2_000_000, 300_000, cap)  # 2 + 60 * 0.30 >= 20 EUR
    assert not budget_runs_out_soon(2_000_000, 250_000, cap)  # 2 + 60 * 0.25 < 20 EUR
    assert not budget_runs_out_soon(19_900_000, 0, cap)  # nothing is being spent now
    assert not budget_runs_out_soon(cap, 1_600_000, cap)  # spent already: the cap holds


def test_the_budget_thresholds_are_each_announced_once() -> None:
    assert budget_percent(640_000, 1_000_000, refused_today=False) == 64
    assert budget_percent(960_000, 1_000_000, refused_today=True) == 100
    assert budget_percent(0, 0, refused_today=False) == 0
    assert thresholds_reached(85, already_told=0) == [50, 80]
    assert thresholds_reached(85, already_told=80) == []
    assert thresholds_reached(100, already_told=80) == [100]


def test_the_flood_limit_reads_as_operators_write_it() -> None:
    limit = parse_flood_limit(" 10 / 5m ", timedelta(hours=24))
    assert limit is not None
    assert (limit.count, limit.period) == (10, timedelta(minutes=5))
    assert not limit.exceeded_by(9) and limit.exceeded_by(10)
    assert parse_flood_limit("off", timedelta(hours=1)) is None
    for wrong in ("10", "ten/5m", "0/5m", "10/5 minutes"):
        with pytest.raises(ValueError, match=r"limit|duration|at least"):
            parse_flood_limit(wrong, timedelta(hours=1))


def test_a_burst_on_the_hot_path_wakes_the_detector_at_most_every_few_seconds() -> None:
    now = [0.0]
    woken: list[float] = []
    trigger = SpikeTrigger(lambda: woken.append(now[0]), monotonic=lambda: now[0])
    for _ in range(BURST_MESSAGES - 1):
        trigger.note(Channel.SMS)
    trigger.note(Channel.TELEGRAM)  # another channel's message is not part of the burst
    assert woken == []
    for _ in range(100):
        trigger.note(Channel.SMS)
        now[0] += 0.01
    assert woken == [0.0]
    now[0] = 30.0  # a new bucket: a new burst wakes it again
    for _ in range(BURST_MESSAGES):
        trigger.note(Channel.SMS)
    assert woken == [0.0, 30.0]


def test_a_burst_that_goes_on_wakes_the_detector_once() -> None:
    now = [100.0]
    woken: list[float] = []
    trigger = SpikeTrigger(lambda: woken.append(now[0]), monotonic=lambda: now[0])
    for _ in range(10_000):  # 100 messages a second for 100 s: the regular runs follow it
        trigger.note(Channel.SMS)
        now[0] += 0.01
    assert len(woken) == 1 and woken[0] < 101  # at its 20th message, once
    now[0] += 60  # a quiet minute, then a new burst
    for _ in range(BURST_MESSAGES):
        trigger.note(Channel.SMS)
    assert len(woken) == 2


def test_the_spending_pace_comes_from_the_days_total_once_there_is_history() -> None:
    pace = SpendingPace()
    start = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)
    # The first run knows nothing earlier: the last minute's replies give the pace.
    assert pace.per_minute(start, 1_000_000, last_minute_micro=480_000) == 480_000
    # Two minutes later, 0.64 EUR more was spent: 0.32 EUR a minute, whatever the last minute.
    assert pace.per_minute(start + timedelta(minutes=2), 1_640_000, 0) == 320_000
    # After midnight the day's total starts again: no negative pace from yesterday's total.
    assert pace.per_minute(start + timedelta(hours=2, minutes=3), 160_000, 160_000) == 160_000
