"""The replay's report: where each figure comes from, and what it says when it cannot know."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bots.replay import ReplayResult
from bots.scenarios import Event, Label, Role
from bots.simulate_report import ServerSide, build_report, format_report
from bots.simulate_server import AlertRow, Snapshot

START = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
EVENTS = (
    Event(0.0, "+33639980001", "Salut, c'est Max", Role.GENUINE, Label.OK),
    Event(1.0, "+33639980002", "Salut", Role.RAIDER, Label.OK),
    Event(2.0, "+33639980002", "connasse", Role.RAIDER, Label.INSULT),
    Event(3.0, "+33639980002", "t4 gueule", Role.RAIDER, Label.INSULT),
)


def _report(replies: list[int], server: ServerSide, *, inline: bool) -> dict[str, Any]:
    result = ReplayResult(START, Counter({"200": 4}), replies, elapsed_s=0.1)
    return build_report(
        scenario="2017",
        seed=1,
        speed=60,
        minutes=None,
        events=EVENTS,
        result=result,
        server=server,
        reply_price_eur=Decimal("0.16"),
        inline_configured=inline,
    )


def test_inline_replies_are_counted_from_the_twiml_and_costed_from_the_ledger() -> None:
    server = ServerSide(
        Snapshot(replies=3, spend_eur=0.48, inbound=10, queued=0),
        Snapshot(replies=5, spend_eur=0.80, inbound=14, queued=0),
        [AlertRow("spike", "spike:sms", START + timedelta(seconds=2))],
    )
    report = _report([1, 1, 0, 0], server, inline=True)
    assert (report["answered"], report["genuine_answered"]) == (2, 1)
    assert report["cost_eur"] == 0.32 and report["cost_source"] == "stats"
    assert (report["naive_eur"], report["ideal_eur"], report["spend_over_ideal"]) == (
        0.64,
        0.32,
        1.0,
    )
    assert report["first_spike_alert"] == {"key": "spike:sms", "after_s": 2.0, "scenario_s": 120}
    text = format_report(report)
    assert "genuine first contacts answered: 1 of 1 (100.0 %)" in text
    assert "first spike alert: 2.0 s after the start (scenario time 2 min 00 s)" in text


def test_queued_replies_are_counted_from_the_ledger_and_the_outbox() -> None:
    server = ServerSide(
        Snapshot(replies=0, spend_eur=0.0, inbound=0, queued=1),
        Snapshot(replies=0, spend_eur=0.0, inbound=4, queued=3),
        [],
    )
    report = _report([0, 0, 0, 0], server, inline=False)
    assert (report["replies"], report["answered"], report["cost_eur"]) == ("queued", 2, 0.32)
    assert report["genuine_answered"] is None
    assert "genuine first contacts answered: unknown" in format_report(report)


def test_without_a_database_the_server_side_figures_are_unknown() -> None:
    report = _report([0, 0, 0, 0], ServerSide(None, None, None), inline=False)
    assert (report["answered"], report["cost_eur"]) == (None, None)
    text = format_report(report)
    assert "answered unknown" in text and "cost: unknown" in text
    assert "first spike alert: none (alerts unreadable)" in text
