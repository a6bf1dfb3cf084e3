"""Two real ``antirelous serve`` replicas on one PostgreSQL database, raced against each other.

Whatever request lands where, the database decides: one stored message and one reply per
MessageSid, one reply per sender and window, a budget never overspent, a pause in force
everywhere at once, jobs that go on when a replica dies, and a database restart survived.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import bindparam, create_engine, text

from tests.fakes.slack_server import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode
from tests.fakes.telegram_server import FakeTelegram
from tests.fakes.twilio_server import FakeTwilio
from tests.support.replicas import ADMIN, SLACK_SECRET, Replica, post_sms, replicas
from tests.support.replicas import database as database  # a fixture
from tests.support.telegram import message, update
from tests.support.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    message_fields,
    new_number,
)


def scalar(database: str, query: str, **params: Any) -> Any:
    statement = text(query)
    for name, value in params.items():
        if isinstance(value, list):
            statement = statement.bindparams(bindparam(name, expanding=True))
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return connection.execute(statement, params).scalar()
    finally:
        engine.dispose()


async def slash(client: httpx.AsyncClient, replica: Replica, command: str, words: str) -> Any:
    body = urlencode({"command": command, "text": words, "user_id": ADMIN, "team_id": "T0"})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": str(signature),
    }
    return await client.post(replica.base + "/slack/commands", content=body, headers=headers)


async def test_the_same_message_at_both_replicas_at_once_is_stored_and_answered_once(
    tmp_path: Path, database: str
) -> None:
    messages = [message_fields(new_number()) for _ in range(30)]
    with replicas(tmp_path, database) as (a, b):
        async with httpx.AsyncClient(timeout=10) as client:
            answers = await asyncio.gather(
                *(post_sms(client, replica, fields) for fields in messages for replica in (a, b))
            )
    assert {answer.status_code for answer in answers} == {200}
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        assert first.text == second.text and "<Message>" in first.text
    assert scalar(database, "SELECT COUNT(*) FROM message") == 30
    assert scalar(database, "SELECT COUNT(*) FROM message WHERE reply_status = 'inline'") == 30


async def test_one_senders_burst_spread_over_replicas_gets_one_reply(
    tmp_path: Path, database: str
) -> None:
    sender = new_number()
    with replicas(tmp_path, database) as pair:
        async with httpx.AsyncClient(timeout=10) as client:
            answers = await asyncio.gather(
                *(post_sms(client, pair[i % 2], message_fields(sender, "Salut")) for i in range(20))
            )
    assert [answer.status_code for answer in answers] == [200] * 20
    assert sum("<Message>" in answer.text for answer in answers) == 1
    assert scalar(database, "SELECT COUNT(*) FROM message") == 20


async def test_replicas_together_never_overspend_the_budget(tmp_path: Path, database: str) -> None:
    with replicas(tmp_path, database, ANTIRELOUS_DAILY_BUDGET_EUR="1") as pair:
        async with httpx.AsyncClient(timeout=10) as client:
            answers = await asyncio.gather(
                *(post_sms(client, pair[i % 2], message_fields(new_number())) for i in range(40))
            )
    answered = sum("<Message>" in answer.text for answer in answers)
    assert answered == 6  # 6 * 0.16 = 0.96 EUR; a seventh would take it over 1.00
    assert scalar(database, "SELECT spent_micro FROM budget_day") == 960_000


async def test_a_pause_on_one_replica_holds_on_the_other_at_once(
    tmp_path: Path, database: str
) -> None:
    with replicas(tmp_path, database) as (a, b):
        async with httpx.AsyncClient(timeout=10) as client:
            paused = await slash(client, a, "/pause", "sms")
            on_b = await post_sms(client, b, message_fields(new_number()))
            resumed = await slash(client, b, "/resume", "sms")
            on_a = await post_sms(client, a, message_fields(new_number()))
    assert paused.status_code == resumed.status_code == 200
    assert "<Message>" not in on_b.text
    assert "<Message>" in on_a.text
    assert scalar(database, "SELECT COUNT(*) FROM message WHERE outcome = 'paused'") == 1


async def test_when_a_replica_dies_the_other_runs_the_jobs(tmp_path: Path, database: str) -> None:
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    queued = {
        "ANTIRELOUS_REPLY_DELAY": "2s-3s",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "ANTIRELOUS_TWILIO_API_URL": twilio.url,
    }
    try:
        with replicas(tmp_path, database, **queued) as (a, b):
            async with httpx.AsyncClient(timeout=10) as client:
                for index in range(10):
                    await post_sms(client, (a, b)[index % 2], message_fields(new_number()))
            a.process.kill()  # SIGKILL: it never runs another job
            killed_at = scalar(database, "SELECT MAX(tick) FROM job_tick WHERE job = 'alerts'")
            for _ in range(150):
                if len(twilio.messages) >= 10:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(6)  # a few more ticks of every job
            sent = len(twilio.messages)
            assert b.process.poll() is None
    finally:
        twilio.close()
    assert sent == 10  # each reply once, none twice, although both replicas ran the outbox
    later = scalar(database, "SELECT MAX(tick) FROM job_tick WHERE job = 'alerts'")
    assert later >= killed_at + 1


SOCKET_TOKEN = "xapp-1-replica-socket-token"
TELEGRAM_TOKEN = "7000000002:AAFakeTokenForReplicaTests_0123456"
TELEGRAM_SECRET = "replica-webhook-secret_0123"


def restart_command() -> list[str]:
    """Debian's way to restart the local cluster (as .ci/run starts it)."""
    version = next(Path("/etc/postgresql").iterdir()).name
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


@pytest.mark.skipif(shutil.which("pg_ctlcluster") is None, reason="needs Debian's pg_ctlcluster")
async def test_a_database_restart_under_load_loses_no_answered_message(
    tmp_path: Path, database: str
) -> None:
    restart = restart_command()
    answered: dict[str, int] = {}
    health: list[int] = []
    with replicas(tmp_path, database) as pair:
        restarter = threading.Timer(1.5, subprocess.run, args=(restart,), kwargs={"check": True})
        restarter.start()
        # A connection per request: a replica may close an idle keep-alive connection just as
        # it is reused (a client-side race, not what this test is about).
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(timeout=10, limits=fresh) as client:
            deadline = time.monotonic() + 8
            index = 0
            while time.monotonic() < deadline:
                fields = message_fields(new_number())
                answer = await post_sms(client, pair[index % 2], fields)
                answered[fields["MessageSid"]] = answer.status_code
                health.append((await client.get(pair[index % 2].base + "/healthz")).status_code)
                index += 1
                await asyncio.sleep(0.02)
            restarter.join()
            recovered = [
                (await post_sms(client, replica, message_fields(new_number()))).status_code
                for replica in pair
            ]
    logs = "\n".join(replica.log.read_text()[-4000:] for replica in pair)
    # Refused while it was down, never a 500.
    assert set(answered.values()) == {200, 503}, logs
    assert set(health) == {200}  # alive throughout: no restart loop
    assert recovered == [200, 200]
    ok = sorted(sid for sid, status in answered.items() if status == 200)
    stored = scalar(database, "SELECT COUNT(*) FROM message WHERE provider_id IN :sids", sids=ok)
    assert stored == len(ok)


async def test_the_same_telegram_update_at_both_replicas_is_stored_and_answered_once(
    tmp_path: Path, database: str
) -> None:
    bot_api = FakeTelegram(TELEGRAM_TOKEN)
    telegram = {
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
        "ANTIRELOUS_TELEGRAM_API_URL": bot_api.base_url,
    }
    updates = [update(**message(700 + index, "Salut")) for index in range(20)]
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    try:
        with replicas(tmp_path, database, **telegram) as (a, b):
            async with httpx.AsyncClient(timeout=10) as client:
                answers = await asyncio.gather(
                    *(
                        client.post(replica.base + "/webhooks/telegram", json=data, headers=headers)
                        for data in updates
                        for replica in (a, b)
                    )
                )
    finally:
        bot_api.close()
    assert {answer.status_code for answer in answers} == {200}
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        assert first.json() == second.json() and first.json()["method"] == "sendMessage"
    assert scalar(database, "SELECT COUNT(*) FROM message WHERE channel = 'telegram'") == 20


async def test_socket_mode_commands_hold_on_every_replica_whichever_gets_them(
    tmp_path: Path, database: str
) -> None:
    api, socket = FakeSlack("xoxb-fake", app_token=SOCKET_TOKEN), FakeSocketMode()
    api.socket_url = socket.url
    slack = {"SLACK_APP_TOKEN": SOCKET_TOKEN, "ANTIRELOUS_SLACK_API_URL": api.api_url}
    acks = []
    try:
        with replicas(tmp_path, database, **slack) as pair:
            for _ in range(100):  # both replicas open their connection
                if len(api.called("apps.connections.open")) >= 2:
                    break
                await asyncio.sleep(0.1)
            async with httpx.AsyncClient(timeout=10) as client:
                for index, (command, words) in enumerate([("/pause", "sms"), ("/resume", "sms")]):
                    socket.envelopes.put(socket_slash(f"env-{index}", command, words))
                    acks.append(await asyncio.to_thread(socket.acks.get, True, 10))
                    answers = [
                        await post_sms(client, replica, message_fields(new_number()))
                        for replica in pair
                    ]
                    replied = ["<Message>" in answer.text for answer in answers]
                    assert replied == ([False, False] if command == "/pause" else [True, True])
    finally:
        socket.close()
        api.close()
    assert len(api.called("apps.connections.open")) >= 2
    assert [ack["envelope_id"] for ack in acks] == ["env-0", "env-1"]


def socket_slash(envelope_id: str, command: str, words: str) -> dict[str, Any]:
    payload = {"command": command, "text": words, "user_id": ADMIN, "team_id": "T0"}
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": payload,
    }
