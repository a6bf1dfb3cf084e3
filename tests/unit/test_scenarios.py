"""The replayed scenarios: their size, their determinism, their senders and their roles."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bots.fiction_numbers import (
    DEFAULT_RECEIVER,
    draw_senders,
    fiction_number,
    is_fiction_number,
)
from bots.scenarios import (
    SCENARIOS,
    Label,
    Role,
    Scenario,
    botnet,
    first_messages,
    ideal_replies,
    raid_2017,
    well_wishers,
)


@pytest.fixture(scope="module")
def raid() -> Scenario:
    return raid_2017(7)


def test_the_2017_raid_is_twenty_thousand_insults_in_four_hours(raid: Scenario) -> None:
    raid_messages = [e for e in raid.events if e.role is Role.RAIDER and e.label is not Label.OK]
    assert len(raid_messages) == 20_000
    assert raid.duration == 4 * 3600
    assert all(0 <= e.offset < raid.duration for e in raid.events)
    assert [e.offset for e in raid.events] == sorted(e.offset for e in raid.events)


def test_the_raid_comes_from_a_few_hundred_numbers_most_within_minutes(raid: Scenario) -> None:
    raiders = {e.sender for e in raid.events if e.role is Role.RAIDER}
    assert len(raiders) == 300
    early = {e.sender for e in raid.first(5 * 60) if e.role is Role.RAIDER}
    assert len(early) > len(raiders) / 2


def test_some_raiders_open_with_a_neutral_message_before_insulting(raid: Scenario) -> None:
    openers = [e for e in first_messages(raid.events) if e.role is Role.RAIDER]
    neutral = [e for e in openers if e.label is Label.OK]
    assert 0.1 * len(openers) < len(neutral) < 0.3 * len(openers)
    for opener in neutral:
        later = [e for e in raid.events if e.sender == opener.sender and e is not opener]
        assert later and all(e.label is not Label.OK for e in later)


def test_genuine_first_contacts_are_mixed_in_over_the_four_hours(raid: Scenario) -> None:
    genuine = [e for e in first_messages(raid.events) if e.role is Role.GENUINE]
    assert len(genuine) == 200
    assert all(e.label is Label.OK for e in raid.events if e.role is Role.GENUINE)
    assert min(e.offset for e in genuine) < 3600 < 3 * 3600 < max(e.offset for e in genuine)


def test_the_raid_is_varied_with_disguised_insults_and_a_few_threats(raid: Scenario) -> None:
    labels = Counter(e.label for e in raid.events)
    assert 0 < labels[Label.THREAT] < 100
    insults = [e.body for e in raid.events if e.label is Label.INSULT]
    assert len(set(insults)) > 2_000
    assert any(any(c in body for c in "4301$@") for body in insults)  # leetspeak
    assert any(body.isupper() for body in insults)


def test_the_same_seed_gives_the_same_attack_and_another_seed_another() -> None:
    assert raid_2017(3) == raid_2017(3)
    assert botnet(3) == botnet(3)
    assert well_wishers(3) == well_wishers(3)
    assert raid_2017(3).events != raid_2017(4).events


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_sender_is_a_fiction_number_and_never_the_receiver(name: str) -> None:
    scenario = SCENARIOS[name](1, frozenset({DEFAULT_RECEIVER}))
    senders = {e.sender for e in scenario.events}
    assert all(is_fiction_number(sender) for sender in senders)
    assert DEFAULT_RECEIVER not in senders
    assert is_fiction_number(DEFAULT_RECEIVER)


def test_the_botnet_is_thousands_of_neutral_messages_from_distinct_numbers() -> None:
    scenario = botnet(1)
    assert len(scenario.events) == 5_000
    assert len({e.sender for e in scenario.events}) == 5_000
    assert {e.role for e in scenario.events} == {Role.BOT}
    assert {e.label for e in scenario.events} == {Label.OK}
    assert max(e.offset for e in scenario.events) < 30 * 60


def test_well_wishers_write_once_each_in_a_wave_that_fades() -> None:
    scenario = well_wishers(1)
    assert len(scenario.events) == len({e.sender for e in scenario.events}) == 3_000
    assert {e.role for e in scenario.events} == {Role.WELL_WISHER}
    first_hour = len(scenario.first(3600))
    assert first_hour > len(scenario.events) - first_hour


def test_the_ideal_answers_each_sender_who_opened_neutrally_once(raid: Scenario) -> None:
    neutral_raiders = sum(
        1 for e in first_messages(raid.events) if e.role is Role.RAIDER and e.label is Label.OK
    )
    assert ideal_replies(raid.events) == 200 + neutral_raiders
    assert ideal_replies(botnet(1).events) == 5_000


def test_a_shorter_replay_keeps_only_the_first_minutes(raid: Scenario) -> None:
    first = raid.first(60)
    assert first == raid.events[: len(first)]
    assert all(e.offset < 60 for e in first)
    assert raid.first(None) == raid.events


def test_fiction_numbers_are_the_arcep_blocks_and_nothing_else() -> None:
    assert fiction_number(0) == "+33639980000"
    assert fiction_number(10_000) == "+33199000000"
    assert fiction_number(59_999) == "+33536499999"
    assert not is_fiction_number("+33612345678")
    assert not is_fiction_number("+3363998000")  # a digit short
    with pytest.raises(ValueError):
        fiction_number(60_000)


def test_small_draws_stay_in_the_mobile_block_and_large_ones_spill_over() -> None:
    rng = random.Random(0)
    assert all(n.startswith("+3363998") for n in draw_senders(rng, 500))
    many = draw_senders(rng, 12_000)
    assert len(set(many)) == 12_000
    assert any(n.startswith("+3319900") for n in many)
