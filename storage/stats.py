"""The figures of ``antirelous stats``: counts and spend, in total and for today, per channel."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import Engine, case, func, select

from replies.types import COUNTED_STATUSES, Channel, Label, Outcome
from storage.errors import outages_as_unavailable
from storage.tables import BudgetDay, Message

message_t = Message.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]


def eur(micro: int) -> float:
    """Micro-euros as euros, rounded to a hundredth of a cent."""
    return round(micro / 1_000_000, 4)


class Figures(NamedTuple):
    """Counts and micro-euros of one channel, or of all."""

    inbound: int = 0
    inbound_cost: int = 0
    replies: int = 0
    reply_cost: int = 0
    abusive: int = 0  # labelled insult or threat
    blocked: int = 0  # from a sender blocked by an admin or by the flood check

    @staticmethod
    def total(parts: Iterable[Figures]) -> Figures:
        return Figures(*(sum(column) for column in zip(*parts, strict=True)))


def _figures_per_channel(
    engine: Engine, since: datetime
) -> tuple[dict[str, Figures], dict[str, Figures]]:
    """channel → figures, in all and since ``since``, in one scan."""
    today = message_t.c.received_at >= since
    # The ledger counts a reply once it was (or may have been) sent, at the real price when
    # Twilio reported one.
    replied = message_t.c.reply_status.in_([status.value for status in COUNTED_STATUSES])
    reply_cost = func.coalesce(message_t.c.reply_price_micro, message_t.c.reply_cost_micro)

    def total(value: Any, *conditions: Any) -> Any:
        for condition in conditions:
            value = case((condition, value), else_=0)
        return func.coalesce(func.sum(value), 0)

    abusive = message_t.c.label != Label.OK.value
    blocked = message_t.c.outcome == Outcome.BLOCKED.value

    def figures(*conditions: Any) -> list[Any]:
        return [
            total(1, *conditions),
            total(message_t.c.inbound_cost_micro, *conditions),
            total(1, replied, *conditions),
            total(reply_cost, replied, *conditions),
            total(1, abusive, *conditions),
            total(1, blocked, *conditions),
        ]

    query = select(message_t.c.channel, *figures(), *figures(today)).group_by(message_t.c.channel)
    in_all: dict[str, Figures] = {}
    on_day: dict[str, Figures] = {}
    with engine.connect() as connection:
        for channel, *values in connection.execute(query):
            numbers = [int(v) for v in values]
            half = len(numbers) // 2
            in_all[channel] = Figures(*numbers[:half])
            on_day[channel] = Figures(*numbers[half:])
    return in_all, on_day


def collect_stats(
    engine: Engine, today: date, default_budget_micro: int, paused: Collection[Channel] = ()
) -> dict[str, Any]:
    """Everything ``stats --json`` prints, in the shape DESIGN.md fixes."""
    since = datetime.combine(today, time(), tzinfo=UTC)
    with outages_as_unavailable():
        in_all, on_day = _figures_per_channel(engine, since)
        with engine.connect() as connection:
            cap = connection.execute(
                select(budget_t.c.cap_micro).where(budget_t.c.day == today.isoformat())
            ).scalar()
    channels: dict[str, Any] = {}
    for channel in Channel:
        whole = in_all.get(channel.value, Figures())
        day = on_day.get(channel.value, Figures())
        channels[channel.value] = {
            "inbound": whole.inbound,
            "replies": whole.replies,
            "spend_eur": eur(whole.reply_cost),
            "paused": channel in paused,
            "today": {
                "inbound": day.inbound,
                "replies": day.replies,
                "spend_eur": eur(day.reply_cost),
                "abusive": day.abusive,
                "blocked": day.blocked,
            },
        }
    whole = Figures.total([Figures(), *in_all.values()])
    day = Figures.total([Figures(), *on_day.values()])
    return {
        "inbound": whole.inbound,
        "replies": whole.replies,
        "spend_eur": eur(whole.reply_cost),
        "inbound_spend_eur": eur(whole.inbound_cost),
        "today": {
            "date": today.isoformat(),
            "inbound": day.inbound,
            "replies": day.replies,
            "spend_eur": eur(day.reply_cost),
            "inbound_spend_eur": eur(day.inbound_cost),
            "budget_eur": eur(default_budget_micro if cap is None else cap),
            "abusive": day.abusive,
            "blocked": day.blocked,
        },
        "channels": channels,
    }


def counts_since(engine: Engine, since: datetime) -> tuple[int, int]:
    """Messages received and replies counted since ``since`` (the last hour, for status)."""
    replied = message_t.c.reply_status.in_([status.value for status in COUNTED_STATUSES])
    query = select(func.count(), func.coalesce(func.sum(case((replied, 1), else_=0)), 0)).where(
        message_t.c.received_at >= since
    )
    with outages_as_unavailable(), engine.connect() as connection:
        inbound, replies = connection.execute(query).one()
    return int(inbound), int(replies)
