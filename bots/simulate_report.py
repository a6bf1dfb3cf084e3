"""The report of a replay: what was sent, what the server answered, paid and noticed.

Money is compared with two yardsticks: a naive responder (one reply per message, what killed
the 2017 service) and the ideal one (one reply per sender who opened neutrally, see
``scenarios.ideal_replies``). Figures the replay cannot know are ``None`` ("unknown").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bots.replay import ReplayResult
from bots.scenarios import Event, Role, first_messages, ideal_replies
from bots.simulate_server import AlertRow, Snapshot

MAX_BUDGET_ALERTS = 3


@dataclass(frozen=True, slots=True)
class ServerSide:
    """What the server's database said before and after the replay."""

    before: Snapshot | None
    after: Snapshot | None
    alerts: list[AlertRow] | None


def _eur(amount: float) -> float:
    return round(amount, 2)


def _alert_times(
    result: ReplayResult, alerts: list[AlertRow], kind: str, speed: float
) -> list[dict[str, Any]]:
    rows = [alert for alert in alerts if alert.kind == kind]
    out = []
    for alert in rows:
        seconds = max(0.0, (alert.created_at - result.started_at).total_seconds())
        out.append(
            {"key": alert.key, "after_s": round(seconds, 1), "scenario_s": round(seconds * speed)}
        )
    return out


def build_report(
    *,
    scenario: str,
    seed: int,
    speed: float,
    minutes: float | None,
    events: Sequence[Event],
    result: ReplayResult,
    server: ServerSide,
    reply_price_eur: Decimal,
    inline_configured: bool,
) -> dict[str, Any]:
    """Every figure of the report, as the JSON that ``--json`` prints."""
    in_twiml = sum(result.replies)
    deltas = None
    if server.before is not None and server.after is not None:
        deltas = (
            server.after.replies - server.before.replies,
            server.after.spend_eur - server.before.spend_eur,
            server.after.queued - server.before.queued,
        )
    queued_now = deltas is not None and deltas[2] > 0
    inline = in_twiml > 0 or (inline_configured and not queued_now)
    price = float(reply_price_eur)
    answered: int | None
    if inline:
        answered, source = in_twiml, "twiml"
    elif deltas is not None:
        answered, source = deltas[0] + deltas[2], "stats"
    else:
        answered, source = None, "unknown"
    cost: float | None
    if deltas is not None:
        # Queued replies are not paid yet but will be when the outbox sends them.
        cost, cost_source = deltas[1] + max(deltas[2], 0) * price, "stats"
    elif answered is not None:
        cost, cost_source = answered * price, "estimate"
    else:
        cost, cost_source = None, "unknown"
    index_of = {id(event): i for i, event in enumerate(events)}
    genuine = [e for e in first_messages(events) if e.role is Role.GENUINE]
    genuine_answered = sum(1 for e in genuine if result.replies[index_of[id(e)]] > 0)
    ideal = ideal_replies(events)
    alerts = server.alerts
    spikes = None if alerts is None else _alert_times(result, alerts, "spike", speed)
    budgets = None if alerts is None else _alert_times(result, alerts, "budget", speed)
    return {
        "scenario": scenario,
        "seed": seed,
        "speed": speed,
        "minutes": minutes,
        "sent": len(events),
        "by_role": dict(Counter(event.role.value for event in events)),
        "by_label": dict(Counter(event.label.value for event in events)),
        "statuses": dict(result.statuses),
        "elapsed_s": round(result.elapsed_s, 2),
        "behind_schedule_s": round(result.behind_s, 2),
        "worst_lag_s": round(result.worst_lag_s, 2),
        "replies": "inline" if inline else "queued",
        "answered": answered,
        "answered_source": source,
        "genuine_first_contacts": len(genuine),
        "genuine_answered": genuine_answered if inline else None,
        "cost_eur": None if cost is None else _eur(cost),
        "cost_source": cost_source,
        "naive_eur": _eur(len(events) * price),
        "ideal_eur": _eur(ideal * price),
        "ideal_replies": ideal,
        "spend_over_ideal": round(cost / (ideal * price), 2)
        if cost is not None and ideal and price
        else None,
        "first_spike_alert": spikes[0] if spikes else None,
        "alerts_readable": alerts is not None,
        "budget_alerts": (budgets or [])[:MAX_BUDGET_ALERTS],
        "threat_alerts": None if alerts is None else sum(1 for a in alerts if a.kind == "threat"),
    }


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {rest:02d} s"


def _when(alert: dict[str, Any]) -> str:
    return f"{alert['after_s']} s after the start (scenario time {_clock(alert['scenario_s'])})"


def format_report(report: dict[str, Any]) -> str:
    """The report for a person: one fact a line."""
    span = f"the first {report['minutes']:g} minutes" if report["minutes"] else "the whole timeline"
    roles = ", ".join(f"{role} {count}" for role, count in sorted(report["by_role"].items()))
    labels = ", ".join(f"{label} {count}" for label, count in sorted(report["by_label"].items()))
    statuses = ", ".join(f"{code} × {n}" for code, n in sorted(report["statuses"].items()))
    behind = report["behind_schedule_s"]
    lines = [
        f"scenario {report['scenario']} (seed {report['seed']}), {span}, "
        f"sped up {report['speed']:g} times",
        f"sent {report['sent']} webhooks in {report['elapsed_s']} s "
        + (f"(finished {behind} s behind schedule" if behind >= 0.5 else "(on schedule")
        + f"; the worst lag {report['worst_lag_s']} s)",
        f"  senders' roles: {roles}; messages: {labels}",
        f"HTTP statuses: {statuses or 'none'}",
    ]
    answered = report["answered"]
    how = "from the TwiML" if report["answered_source"] == "twiml" else "from the server's stats"
    lines.append(
        f"replies {report['replies']}: answered "
        + (f"{answered} ({how})" if answered is not None else "unknown (database unreachable)")
    )
    if not report["genuine_first_contacts"]:
        lines.append("genuine first contacts: none in this replay")
    elif report["genuine_answered"] is None:
        lines.append(
            "genuine first contacts answered: unknown (replies are queued; "
            f"{report['genuine_first_contacts']} were sent)"
        )
    else:
        share = 100 * report["genuine_answered"] / report["genuine_first_contacts"]
        lines.append(
            f"genuine first contacts answered: {report['genuine_answered']} of "
            f"{report['genuine_first_contacts']} ({share:.1f} %)"
        )
    cost = report["cost_eur"]
    lines.append(
        "cost: "
        + (f"{cost:.2f} EUR ({report['cost_source']})" if cost is not None else "unknown")
        + f"; a naive responder {report['naive_eur']:.2f} EUR"
        + f"; ideal {report['ideal_eur']:.2f} EUR ({report['ideal_replies']} replies)"
        + (
            f"; spend/ideal {report['spend_over_ideal']}"
            if report["spend_over_ideal"] is not None
            else ""
        )
    )
    if not report["alerts_readable"]:
        lines.append("first spike alert: none (alerts unreadable)")
    else:
        spike = report["first_spike_alert"]
        lines.append("first spike alert: " + (_when(spike) if spike else "none"))
        budget = report["budget_alerts"]
        lines.append(
            "budget alerts: " + ("; ".join(_when(a) for a in budget) if budget else "none")
        )
    return "\n".join(lines)
