"""Attack scenarios to replay against a running server: pure, deterministic for a seed.

Each scenario is a timeline of events (seconds from its start, sender, body, the sender's
role and the label a perfect classifier would give). Nothing here sends anything: the
``simulate`` command paces these events into signed webhooks.

The figures follow what is known of the 2017 flood of the French anti-harassment number
(more than 20,000 insults in about four hours after a forum raid) and the two other floods
such a number attracts: a botnet of neutral messages, and a wave of well-wishers testing it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bots import scenario_texts as texts
from bots.fiction_numbers import draw_senders


class Role(StrEnum):
    """Who a sender is, which decides what a perfect responder would do."""

    GENUINE = "genuine"  # someone who really was given the number
    RAIDER = "raider"  # part of a coordinated insult flood
    BOT = "bot"  # one neutral message from each of many numbers
    WELL_WISHER = "well_wisher"  # someone testing the number once, friendly


class Label(StrEnum):
    """What the message is, as the classifier should label it."""

    OK = "ok"
    INSULT = "insult"
    THREAT = "threat"


@dataclass(frozen=True, slots=True)
class Event:
    """One message of a scenario."""

    offset: float  # seconds from the scenario's start
    sender: str  # E.164, from the ranges reserved for fiction
    body: str
    role: Role
    label: Label


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named timeline of events, sorted by offset."""

    name: str
    duration: float  # seconds
    events: tuple[Event, ...]

    def first(self, seconds: float | None) -> tuple[Event, ...]:
        """The events of the first ``seconds`` of the timeline (all of them for ``None``)."""
        if seconds is None:
            return self.events
        return tuple(event for event in self.events if event.offset < seconds)


def first_messages(events: Sequence[Event]) -> list[Event]:
    """Each sender's first message among ``events``."""
    seen: set[str] = set()
    firsts = []
    for event in events:
        if event.sender not in seen:
            seen.add(event.sender)
            firsts.append(event)
    return firsts


def ideal_replies(events: Sequence[Event]) -> int:
    """Replies a perfect responder would pay for: one per sender who opened neutrally.

    That is every genuine sender, every raider who opened with a neutral message (nothing
    told them apart then), and every bot and well-wisher (a neutral first message from a
    new number is indistinguishable from a genuine one). Insults are never answered.
    """
    return sum(1 for event in first_messages(events) if event.label is Label.OK)


def _timeline(name: str, duration: float, events: list[Event]) -> Scenario:
    return Scenario(name, duration, tuple(sorted(events, key=lambda event: event.offset)))


def raid_2017(
    seed: int,
    exclude: frozenset[str] = frozenset(),
    *,
    raid_messages: int = 20_000,
    raiders: int = 300,
    genuine: int = 200,
    threats: int = 40,
    duration: float = 4 * 3600,
) -> Scenario:
    """The 2017 flood: insults from a few hundred numbers, most joining in the first minutes.

    A fifth of the raiders open with a neutral message before insulting, as a raider who
    wants the paid reply first would. How much each raider sends is heavy-tailed (a few send
    hundreds). Genuine first contacts arrive evenly throughout; a fifth of them write again.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible timeline, not a secret
    numbers = draw_senders(rng, raiders + genuine, exclude)
    raider_numbers, genuine_numbers = numbers[:raiders], numbers[raiders:]
    weights = [rng.lognormvariate(0, 1) for _ in range(raiders)]
    counts = [1] * raiders
    for chosen in rng.choices(range(raiders), weights, k=raid_messages - raiders):
        counts[chosen] += 1
    threat_slots = set(rng.sample(range(raid_messages), threats))
    events: list[Event] = []
    slot = 0
    for number, count in zip(raider_numbers, counts, strict=True):
        # A forum raid: most join within minutes of the post, stragglers over the hours.
        late = rng.random() < 0.2
        joined = rng.uniform(0, duration * 0.75) if late else min(rng.expovariate(1 / 90), 600)
        leaves = joined + rng.uniform(0.25, 1.0) * (duration - joined)
        if rng.random() < 0.2:
            events.append(
                Event(joined, number, rng.choice(texts.NEUTRAL_OPENERS), Role.RAIDER, Label.OK)
            )
            joined += rng.uniform(20, 120)
        for _ in range(count):
            # Each raider is keenest at first: messages thin out towards the end.
            offset = joined + (leaves - joined) * rng.random() ** 2
            if slot in threat_slots:
                events.append(Event(offset, number, texts.threat(rng), Role.RAIDER, Label.THREAT))
            else:
                events.append(Event(offset, number, texts.insult(rng), Role.RAIDER, Label.INSULT))
            slot += 1
    for number in genuine_numbers:
        offset = rng.uniform(0, duration)
        events.append(Event(offset, number, texts.friendly_first(rng), Role.GENUINE, Label.OK))
        if rng.random() < 0.2 and offset + 1800 < duration:
            again = offset + rng.uniform(120, 1800)
            body = rng.choice(texts.GENUINE_FOLLOW_UP)
            events.append(Event(again, number, body, Role.GENUINE, Label.OK))
    return _timeline("2017", duration, events)


def botnet(
    seed: int, exclude: frozenset[str] = frozenset(), *, bots: int = 5_000, duration: float = 1800
) -> Scenario:
    """Thousands of neutral messages, one from each number, evenly over half an hour.

    Nothing insults, so a classifier cannot help: only the window, the budget and the
    spike alert can.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible timeline, not a secret
    events = [
        Event(rng.uniform(0, duration), number, rng.choice(texts.BOT_MESSAGES), Role.BOT, Label.OK)
        for number in draw_senders(rng, bots, exclude)
    ]
    return _timeline("botnet", duration, events)


def well_wishers(
    seed: int,
    exclude: frozenset[str] = frozenset(),
    *,
    people: int = 3_000,
    duration: float = 2 * 3600,
) -> Scenario:
    """People who read about the number and test it once, in a wave that fades.

    Arrivals decay after the article (half of them within about half an hour): friendly,
    each deserving its one reply, and a real drain on the budget all the same.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible timeline, not a secret
    events = []
    for number in draw_senders(rng, people, exclude):
        offset = rng.expovariate(1 / 2400)
        while offset >= duration:
            offset = rng.expovariate(1 / 2400)
        body = rng.choice(texts.WELL_WISHER_MESSAGES)
        events.append(Event(offset, number, body, Role.WELL_WISHER, Label.OK))
    return _timeline("well-wishers", duration, events)


ScenarioFactory = Callable[[int, frozenset[str]], Scenario]
SCENARIOS: dict[str, ScenarioFactory] = {
    "2017": raid_2017,
    "botnet": botnet,
    "well-wishers": well_wishers,
}
