"""Insults and threats through the webhooks: stored, labelled, never paid for, threats alerted."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bots.cli import main
from replies.evidence import EvidenceOpener, EvidenceReason, new_key_pair
from storage.tables import Alert, Evidence, Message
from tests.conftest import SECRET_KEY, SettingsFactory
from tests.support.app import running_app
from tests.support.clock import FakeClock
from tests.support.twilio import message_fields, new_number, post_signed

SMS = "/webhooks/twilio/sms"


async def text(client: httpx.AsyncClient, sender: str, body: str) -> str:
    answer = await post_signed(client, SMS, message_fields(sender, body))
    assert answer.status_code == 200
    return answer.text


def table(app: FastAPI, model: type) -> list[Any]:
    with app.state.engine.connect() as connection:
        return list(connection.execute(select(model.__table__).order_by("id")).all())  # type: ignore[attr-defined]


async def test_disguised_insults_are_kept_labelled_and_never_answered(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    insults = ["C0NN@RD", "p u t e", "t'es qu'une saaaloppe", "ntm", "fdp"]
    async with running_app(make_settings(), clock) as (app, client):
        answers = [await text(client, new_number(), body) for body in insults]
        genuine = await text(client, new_number(), "Salut, c'est Julien du concert !")
        messages = table(app, Message)
    assert all("<Message>" not in answer for answer in answers)
    assert "<Message>" in genuine
    assert [m.label for m in messages] == ["insult"] * 5 + ["ok"]
    assert [m.outcome for m in messages] == ["abusive"] * 5 + ["replied"]
    assert [m.body for m in messages[:5]] == insults  # kept as sent
    assert sum(m.reply_cost_micro for m in messages) == 160_000  # the genuine reply alone


async def test_a_sender_who_insulted_gets_no_reply_for_a_polite_message_afterwards(
    make_settings: SettingsFactory, clock: FakeClock
) -> None:
    troll = new_number()
    async with running_app(make_settings(), clock) as (app, client):
        await text(client, troll, "sale connasse")
        polite = await text(client, troll, "Salut, tu vas bien ?")
        outcomes = [m.outcome for m in table(app, Message)]
    assert "<Message>" not in polite
    assert outcomes == ["abusive", "abusive"]


async def test_a_threat_is_sealed_as_evidence_and_alerted_without_its_text(
    make_settings: SettingsFactory, clock: FakeClock, database_url: str
) -> None:
    private, public = new_key_pair()
    sender = new_number()
    settings = make_settings(database_url=database_url, evidence_public_key=public)
    threat = "je sais ou tu habites, tu vas le regretter"
    async with running_app(settings, clock) as (app, client):
        answer = await text(client, sender, threat)
        await asyncio.to_thread(app.state.spike_watch.run_once)
        await asyncio.to_thread(app.state.spike_watch.run_once)  # alerted once, not per run
        [message] = table(app, Message)
        [sealed] = table(app, Evidence)
        [alert] = table(app, Alert)
        revealed = app.state.alerts.revealed_text(alert.id)
    assert "<Message>" not in answer
    assert (message.label, message.outcome) == ("threat", "abusive")
    record = EvidenceOpener(private).open(sealed.sealed)
    assert (record.sender_address, record.text) == (sender, threat)
    assert record.reason == EvidenceReason.THREAT.value
    assert (alert.kind, alert.message_id, alert.count) == ("threat", message.id, 1)
    assert threat not in alert.text and sender not in alert.text
    assert revealed == threat  # what "Show" gives the admin who clicks


async def test_a_flooders_threats_reach_the_complaint_report_with_the_full_number(
    make_settings: SettingsFactory,
    clock: FakeClock,
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private, public = new_key_pair()
    flooder = new_number()
    settings = make_settings(evidence_public_key=public, flood_block="3/5m")
    async with running_app(settings, clock) as (_, client):
        await text(client, flooder, "Salut")  # before anything: answered, not sealed
        for index in range(4):
            await text(client, flooder, f"réponds {index}")
        await text(client, flooder, "je vais te retrouver")
    key_file = tmp_path / "operators.key"
    key_file.write_text(private)
    monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ANTIRELOUS_SECRET_KEY", SECRET_KEY)
    out = tmp_path / "report"
    command = ["export-evidence", "--private-key", str(key_file), "--out", str(out)]
    assert await asyncio.to_thread(main, command) == 0
    report = json.loads((out / "evidence.json").read_text())
    html = (out / "evidence.html").read_text()
    capsys.readouterr()

    [sender] = report["senders"]
    kept = {m["text"]: m["kept_as"] for m in sender["messages"]}
    assert sender["addresses"] == [flooder] and flooder in html
    assert kept["je vais te retrouver"] == "sealed"
    assert kept["réponds 3"] == "sealed"  # the fourth within 5 minutes: past the limit
    assert kept["Salut"] != "sealed"  # linked by its pseudonym, from before the flood
