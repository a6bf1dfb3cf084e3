"""The spike detector: floods alerted with their figures, the budget announced, money pauses."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bots.clock import system_clock
from replies.evidence import EvidenceOpener, EvidenceReason, new_key_pair
from replies.types import Channel
from storage.control_repository import ControlRepository
from storage.tables import Alert, Evidence
from tests.conftest import SettingsFactory
from tests.fakes.slack_server import FakeSlack
from tests.http.test_alerts import CHANNEL, alert_settings, deliver, slack_api
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, new_number, post_signed

__all__ = ["alert_settings", "slack_api"]  # fixtures used here
SMS = "/webhooks/twilio/sms"


async def burst(client: httpx.AsyncClient, senders: int, body: str = "Salut") -> None:
    for _ in range(senders):
        answer = await post_signed(client, SMS, message_fields(new_number(), body))
        assert answer.status_code == 200


async def watch(app: FastAPI) -> None:
    await asyncio.to_thread(app.state.spike_watch.run_once)


def blocks(call: dict[str, Any]) -> list[dict[str, Any]]:
    value = call["blocks"]
    return list(json.loads(value) if isinstance(value, str) else value)


def alerts(app: FastAPI) -> list[Any]:
    with app.state.engine.connect() as connection:
        return list(connection.execute(select(Alert.__table__)).all())  # type: ignore[attr-defined]


async def test_a_flood_is_alerted_with_its_figures_and_pause_buttons_then_declared_over(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    settings = alert_settings(auto_pause=False, daily_budget_eur="100")
    async with running_app(settings, clock) as (app, client):
        await burst(client, 3)
        await watch(app)
        assert alerts(app) == []  # three messages are a quiet minute
        await burst(client, 40)
        await watch(app)
        await deliver(app)
        clock.advance(timedelta(seconds=15))
        await watch(app)  # the flood goes on: the same alert, not a second one
        [flood] = alerts(app)
        for _ in range(3):  # quiet from now on: over after five quiet minutes
            clock.advance(timedelta(minutes=3))
            await watch(app)
        await deliver(app)
        [over] = alerts(app)

    [posted] = slack_api.called("chat.postMessage")
    assert posted["channel"] == CHANNEL
    assert "Flood on *sms*" in posted["text"] and "43 messages a minute" in posted["text"]
    assert "43 senders a minute" in posted["text"]
    [actions] = [block for block in blocks(posted) if block["type"] == "actions"]
    buttons = {(e["action_id"], e["value"]) for e in actions["elements"]}
    assert buttons == {("pause", "sms"), ("resume", "sms")}
    assert (flood.kind, flood.key, flood.count) == ("spike", "spike:sms:20261128T213000", 2)
    assert "is over" in over.text and over.id == flood.id
    assert "is over" in slack_api.called("chat.update")[-1]["text"]


async def test_during_a_flood_every_message_is_sealed_as_evidence(
    make_settings: SettingsFactory, clock: FakeClock, database_url: str
) -> None:
    private, public = new_key_pair()
    settings = make_settings(database_url=database_url, evidence_public_key=public)
    async with running_app(settings, clock) as (app, client):
        await burst(client, 40)
        await watch(app)
        newcomer = new_number()
        await post_signed(client, SMS, message_fields(newcomer, "Bonjour, c'est Léa"))
        with app.state.engine.connect() as connection:
            sealed = connection.execute(select(Evidence.__table__)).all()  # type: ignore[attr-defined]
    [record] = [EvidenceOpener(private).open(row.sealed) for row in sealed]
    assert record.sender_address == newcomer
    assert record.reason == EvidenceReason.FLOOD_EPISODE.value


async def test_the_budget_is_announced_at_half_four_fifths_and_spent_once_each(
    alert_settings: SettingsFactory, clock: FakeClock, slack_api: FakeSlack
) -> None:
    settings = alert_settings(daily_budget_eur="1", auto_pause=False)
    async with running_app(settings, clock) as (app, client):
        await burst(client, 4)  # 0.64 EUR
        await watch(app)
        await watch(app)
        await burst(client, 2)  # 0.96 EUR
        await watch(app)
        await burst(client, 1)  # refused: 1.12 would exceed 1.00
        await watch(app)
        await watch(app)
        await deliver(app)
    texts = [call["text"] for call in slack_api.called("chat.postMessage")]
    assert [text.split(" %")[0].split()[-1] for text in texts] == ["50", "80", "100"]
    assert "0.96 of 1.00 EUR" in texts[2] and "answer nothing more today" in texts[2]


async def test_projected_spend_pauses_paid_channels_but_never_an_operators_pause(
    make_settings: SettingsFactory, clock: FakeClock, database_url: str
) -> None:
    settings = make_settings(database_url=database_url, auto_pause_cooldown="30m")
    async with running_app(settings, clock) as (app, client):
        controls = ControlRepository(app.state.engine)
        controls.pause([Channel.WHATSAPP], now=clock(), by="U0ADMIN")
        await burst(client, 12)  # 1.92 EUR in a minute: 20 EUR gone well within the hour
        await watch(app)
        paused = controls.pauses(clock())
        first_audit = controls.audit_log()[0]
        answered_while_paused = await post_signed(client, SMS, message_fields(new_number()))
        clock.advance(timedelta(minutes=31))
        after_cooldown = controls.pauses(clock())
    assert paused[Channel.SMS].automatic and paused[Channel.SMS].paused_by == "auto"
    assert paused[Channel.SMS].until == clock() - timedelta(minutes=1)
    assert not paused[Channel.WHATSAPP].automatic  # the operator's pause, unchanged
    assert (first_audit.actor, first_audit.action) == ("auto", "pause")
    assert "projected spend" in first_audit.detail
    assert "<Message>" not in answered_while_paused.text
    assert set(after_cooldown) == {Channel.WHATSAPP}


async def test_without_auto_pause_the_budget_alone_holds_the_line(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    async with running_app(make_settings(auto_pause=False), clock) as (app, client):
        await burst(client, 12)
        await watch(app)
        assert ControlRepository(app.state.engine).pauses(clock()) == {}


async def test_a_burst_wakes_the_detector_before_its_next_tick(
    make_settings: SettingsFactory,
) -> None:
    settings = make_settings(auto_pause=False)
    async with running_app(settings, system_clock, run_jobs=True) as (app, client):
        await asyncio.sleep(0.5)  # the jobs' first run, on an empty database
        await burst(client, 40)
        for _ in range(100):  # the next regular tick is 15 s away
            if alerts(app):
                break
            await asyncio.sleep(0.1)
        found = alerts(app)
    assert [alert.kind for alert in found] == ["spike"]
