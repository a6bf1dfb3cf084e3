"""``antirelous simulate`` against a real ``antirelous serve``, and its refusal to go elsewhere."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bots.cli import main
from bots.fiction_numbers import DEFAULT_RECEIVER
from bots.scenarios import Role, first_messages, raid_2017
from bots.settings import Settings
from storage.engine import create_db_engine
from storage.stats import collect_stats
from tests.support.serving import serving
from tests.support.twilio import AUTH_TOKEN

PUBLIC_URL = "https://sms.antirelous.example"
LINE = {
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
    "ANTIRELOUS_REPLY_DELAY": "0",
    "ANTIRELOUS_DAILY_BUDGET_EUR": "1000",
}
QUICK = ["--minutes", "1", "--speed", "600", "--settle", "0", "--json"]


def _simulate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, **env: str
) -> tuple[int, dict[str, Any] | None, str]:
    """Run the command in this process with ``env`` as its settings: status, report, stderr."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status = main(["simulate", *args])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else None), err


def test_a_replay_is_signed_answered_and_counted_like_the_server_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = raid_2017(2017, frozenset({DEFAULT_RECEIVER})).first(60)
    with serving(tmp_path, **LINE) as (base, _):
        status, report, _ = _simulate(capsys, monkeypatch, "2017", "--url", base, *QUICK, **LINE)
    assert status == 0 and report is not None
    assert report["sent"] == len(events) > 20
    assert report["statuses"] == {"200": len(events)}  # every signature accepted: no 403
    assert report["replies"] == "inline" and report["answered_source"] == "twiml"
    engine = create_db_engine(Settings().database_url)
    try:
        ledger = collect_stats(engine, datetime.now(UTC).date(), 0)
    finally:
        engine.dispose()
    assert ledger["inbound"] == len(events)
    assert report["answered"] == ledger["replies"] > 0
    assert report["cost_eur"] == round(ledger["spend_eur"], 2)
    genuine = [e for e in first_messages(events) if e.role is Role.GENUINE]
    assert report["genuine_first_contacts"] == len(genuine)
    assert 0 <= report["genuine_answered"] <= len(genuine)
    assert report["naive_eur"] == round(len(events) * 0.16, 2)
    assert report["first_spike_alert"] is None or report["first_spike_alert"]["after_s"] >= 0


def test_a_replay_signed_with_another_token_is_refused_and_reported_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(tmp_path, **LINE) as (base, _):
        status, report, _ = _simulate(
            capsys,
            monkeypatch,
            "botnet",
            "--url",
            base,
            *QUICK,
            **LINE | {"TWILIO_AUTH_TOKEN": "f" * 32},
        )
    assert status == 0 and report is not None
    assert report["statuses"] == {"403": report["sent"]}
    assert report["answered"] == 0 and report["cost_eur"] == 0


class _Recorder(BaseHTTPRequestHandler):
    """Answers every POST with an empty TwiML and counts it."""

    posts: ClassVar[list[str]] = []

    def do_POST(self) -> None:  # the name http.server calls
        self.rfile.read(int(self.headers["Content-Length"]))
        self.posts.append(self.path)
        body = b"<Response/>"
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@contextmanager
def _recording_server() -> Iterator[tuple[int, list[str]]]:
    _Recorder.posts = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder, bind_and_activate=False)
    server.request_queue_size = 128  # the default backlog of 5 would reset a burst
    server.server_bind()
    server.server_activate()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], _Recorder.posts
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_that_is_not_loopback_is_refused_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.0.0.0 is not a loopback address, yet Linux connects it to this machine: the recorder
    # would see anything the command sent.
    with _recording_server() as (port, posts):
        url = f"http://0.0.0.0:{port}"
        status, report, err = _simulate(capsys, monkeypatch, "2017", "--url", url, *QUICK)
        assert (status, report, posts) == (2, None, [])
        assert "not this machine" in err and "--yes-spend-real-money" in err
        status, report, _ = _simulate(
            capsys, monkeypatch, "2017", "--url", url, *QUICK, "--yes-spend-real-money"
        )
    assert status == 0 and report is not None
    assert report["statuses"] == {"200": report["sent"]}
    assert len(posts) == report["sent"] > 0
    assert report["answered"] is None  # queued by default, and no database to ask


@pytest.mark.parametrize("to", ["+32470000000", "not a number"])
def test_a_receiving_number_outside_the_senders_country_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, to: str
) -> None:
    status, _, err = _simulate(
        capsys, monkeypatch, "botnet", "--url", "http://127.0.0.1:9", "--to", to
    )
    assert status == 2 and "--to must be a French number" in err
