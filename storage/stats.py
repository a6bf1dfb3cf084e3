"""The figures of ``antirelous stats``: counts and spend, in total and for today, per channel."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, case, func, select

from replies.types import Channel
from storage.errors import outages_as_unavailable
from storage.tables import BudgetDay, Message, Reply

message_t = Message.__table__  # type: ignore[attr-defined]
reply_t = Reply.__table__  # type: ignore[attr-defined]
budget_t = BudgetDay.__table__  # type: ignore[attr-defined]


def eur(micro: int) -> float:
    """Micro-euros as euros, rounded to a hundredth of a cent."""
    return round(micro / 1_000_000, 4)


def _per_channel(
    engine: Engine, table: Any, time_column: Any, cost: Any, since: datetime
) -> dict[str, tuple[int, int, int, int]]:
    """channel → (count, cost, count today, cost today)."""
    today = time_column >= since
    query = select(
        table.c.channel,
        func.count(),
        func.coalesce(func.sum(cost), 0),
        func.coalesce(func.sum(case((today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((today, cost), else_=0)), 0),
    ).group_by(table.c.channel)
    with engine.connect() as connection:
        return {row[0]: tuple(int(v) for v in row[1:]) for row in connection.execute(query)}  # type: ignore[misc]


def collect_stats(
    engine: Engine, today: date, default_budget_micro: int, paused: Collection[Channel] = ()
) -> dict[str, Any]:
    """Everything ``stats --json`` prints, in the shape DESIGN.md fixes."""
    since = datetime.combine(today, time(), tzinfo=UTC)
    with outages_as_unavailable():
        inbound = _per_channel(
            engine, message_t, message_t.c.received_at, message_t.c.inbound_cost_micro, since
        )
        replies = _per_channel(engine, reply_t, reply_t.c.created_at, reply_t.c.cost_micro, since)
        with engine.connect() as connection:
            cap = connection.execute(
                select(budget_t.c.cap_micro).where(budget_t.c.day == today.isoformat())
            ).scalar()
    zero = (0, 0, 0, 0)
    channels: dict[str, Any] = {}
    for channel in Channel:
        n_in, _, n_in_today, _ = inbound.get(channel.value, zero)
        n_out, spent, n_out_today, spent_today = replies.get(channel.value, zero)
        channels[channel.value] = {
            "inbound": n_in,
            "replies": n_out,
            "spend_eur": eur(spent),
            "paused": channel in paused,
            "today": {"inbound": n_in_today, "replies": n_out_today, "spend_eur": eur(spent_today)},
        }
    total_inbound_cost = sum(v[1] for v in inbound.values())
    return {
        "inbound": sum(c["inbound"] for c in channels.values()),
        "replies": sum(c["replies"] for c in channels.values()),
        "spend_eur": eur(sum(v[1] for v in replies.values())),
        "inbound_spend_eur": eur(total_inbound_cost),
        "today": {
            "date": today.isoformat(),
            "inbound": sum(c["today"]["inbound"] for c in channels.values()),
            "replies": sum(c["today"]["replies"] for c in channels.values()),
            "spend_eur": eur(sum(v[3] for v in replies.values())),
            "inbound_spend_eur": eur(sum(v[3] for v in inbound.values())),
            "budget_eur": eur(default_budget_micro if cap is None else cap),
        },
        "channels": channels,
    }
