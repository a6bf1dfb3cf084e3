"""``antirelous stats`` for a person: the same figures as ``--json``, as a small table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from replies.types import Channel
from storage.control_repository import PauseState


def format_stats(figures: dict[str, Any]) -> str:
    """A table per channel, then today's spend against the budget."""
    today = figures["today"]
    lines = [
        f"{'channel':<10} {'inbound':>8} {'replies':>8} {'spend EUR':>10}   "
        f"{'today in':>8} {'replies':>8} {'EUR':>8}  paused",
    ]
    for name, channel in figures["channels"].items():
        day = channel["today"]
        lines.append(
            f"{name:<10} {channel['inbound']:>8} {channel['replies']:>8} "
            f"{channel['spend_eur']:>10.2f}   {day['inbound']:>8} {day['replies']:>8} "
            f"{day['spend_eur']:>8.2f}  {'yes' if channel['paused'] else 'no'}"
        )
    lines.append(
        f"{'total':<10} {figures['inbound']:>8} {figures['replies']:>8} "
        f"{figures['spend_eur']:>10.2f}   {today['inbound']:>8} {today['replies']:>8} "
        f"{today['spend_eur']:>8.2f}"
    )
    lines.append(
        f"today ({today['date']} UTC): {today['spend_eur']:.2f} of {today['budget_eur']:.2f} EUR "
        f"budget spent on replies; inbound messages cost an estimated "
        f"{figures['inbound_spend_eur']:.2f} EUR in all (pausing cannot stop those)"
    )
    lines.append(_shield_line(today))
    return "\n".join(lines)


def _shield_line(today: Mapping[str, Any]) -> str:
    return (
        f"today's shield: {today['abusive']} insults or threats left unanswered, "
        f"{today['blocked']} messages from blocked senders"
    )


def format_status(pauses: Mapping[Channel, PauseState], figures: dict[str, Any]) -> str:
    """Each channel live or paused (by whom, since, until), then today against the budget."""
    lines = []
    for channel in Channel:
        pause = pauses.get(channel)
        if pause is None:
            lines.append(f"{channel.value:<10} live")
            continue
        until = f"until {pause.until:%Y-%m-%d %H:%M} UTC" if pause.until else "until resumed"
        kind = "automatically" if pause.automatic else f"by {pause.paused_by}"
        lines.append(
            f"{channel.value:<10} paused {kind} since {pause.paused_at:%Y-%m-%d %H:%M} UTC, {until}"
        )
    today = figures["today"]
    lines.append(
        f"today ({today['date']} UTC): {today['inbound']} messages, {today['replies']} replies, "
        f"{today['spend_eur']:.2f} of {today['budget_eur']:.2f} EUR"
    )
    lines.append(_shield_line(today))
    return "\n".join(lines)
