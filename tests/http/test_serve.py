"""``antirelous serve`` as a user runs it: a real uvicorn process on a free port."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import httpx

from tests.support.serving import machine_environment, serving, serving_process
from tests.support.twilio import AUTH_TOKEN, message_fields, new_number, sign


def test_with_no_configuration_it_starts_on_sqlite_and_says_what_is_missing(
    tmp_path: Path,
) -> None:
    with serving(tmp_path) as (base, log):
        response = httpx.post(base + "/webhooks/twilio/sms", data=message_fields(new_number()))
    assert response.status_code == 503
    assert "TWILIO_AUTH_TOKEN" in response.json()["detail"]
    assert (tmp_path / "antirelous.db").exists()
    assert "sms: not live, set TWILIO_AUTH_TOKEN" in log.read_text()


def test_a_configured_line_answers_a_signed_message(tmp_path: Path) -> None:
    public = "https://sms.antirelous.example"
    fields = message_fields(new_number())
    settings = {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "ANTIRELOUS_PUBLIC_URL": public,
        "ANTIRELOUS_REPLY_DELAY": "0",
    }
    with serving(tmp_path, **settings) as (base, log):
        response = httpx.post(
            base + "/webhooks/twilio/sms",
            content=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sign(public + "/webhooks/twilio/sms", fields),
            },
        )
    assert response.status_code == 200 and "<Message>" in response.text
    assert f"sms: live at {public}/webhooks/twilio/sms" in log.read_text()


def test_dev_mode_answers_unsigned_messages_on_loopback(tmp_path: Path) -> None:
    with serving(tmp_path, "--dev", ANTIRELOUS_REPLY_DELAY="0") as (base, log):
        response = httpx.post(base + "/webhooks/twilio/sms", data=message_fields(new_number()))
    assert "<Message>" in response.text
    assert "without a signature check" in log.read_text()


def test_by_default_the_reply_waits_and_the_webhook_answers_empty(tmp_path: Path) -> None:
    with serving(tmp_path, "--dev") as (base, _):
        response = httpx.post(base + "/webhooks/twilio/sms", data=message_fields(new_number()))
    assert response.status_code == 200
    assert "<Message>" not in response.text


def test_an_answered_message_survives_a_killed_process(tmp_path: Path) -> None:
    with serving_process(tmp_path, "--dev", ANTIRELOUS_REPLY_DELAY="0") as (base, _, process):
        for _ in range(5):
            response = httpx.post(base + "/webhooks/twilio/sms", data=message_fields(new_number()))
            assert response.status_code == 200
        process.kill()  # SIGKILL: no shutdown, no checkpoint, no flush
        process.wait(timeout=10)
    clean = machine_environment()
    stats = subprocess.run(
        [sys.executable, "-m", "bots.cli", "stats", "--json"],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(stats.stdout)
    assert (figures["inbound"], figures["replies"]) == (5, 5)


def test_start_up_says_what_each_platform_lacks(tmp_path: Path) -> None:
    with serving(tmp_path) as (_, log):
        text = log.read_text()
    for line in (
        "sms: not live, set TWILIO_AUTH_TOKEN",
        "telegram: not live, set TELEGRAM_BOT_TOKEN",
        "slack: commands not live, set SLACK_SIGNING_SECRET",
        "slack: alerts go to the log",
        "outbox: delayed replies are logged, not sent: set TWILIO_ACCOUNT_SID",
    ):
        assert line in text
