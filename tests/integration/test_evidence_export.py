"""``antirelous export-evidence`` and ``evidence-key``, run in-process on real databases."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bots.cli import main
from bots.clock import system_clock
from replies.evidence import (
    EvidenceOpener,
    EvidenceReason,
    EvidenceRecord,
    EvidenceSealer,
    new_key_pair,
)
from replies.pseudonyms import Pseudonymizer, public_ref
from replies.types import Channel
from storage.engine import create_db_engine
from tests.conftest import SECRET_KEY
from tests.support.databases import migrate_database
from tests.support.evidence import EvidenceWriter, Stored

STALKER, FRENCH_LINE = "+33612345678", "+33756000001"
AMERICAN, AMERICAN_LINE = "+12125551234", "+12125550000"
SCRIPT = "<script>alert('x')</script> je te retrouverai"


def _sid(n: int) -> str:
    return f"SM{n:032x}"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, str]:
    """The operators' private key file, and the public key the server was given."""
    private, public = new_key_pair()
    path = tmp_path / "evidence.key"
    path.write_text(private + "\n")
    return path, public


@pytest.fixture
def writer(
    database_url: str, monkeypatch: pytest.MonkeyPatch, keys: tuple[Path, str]
) -> Iterator[EvidenceWriter]:
    monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", database_url)
    monkeypatch.setenv("ANTIRELOUS_SECRET_KEY", SECRET_KEY)
    migrate_database(database_url)
    engine = create_db_engine(database_url, pool_size=1)
    yield EvidenceWriter(engine, Pseudonymizer(SECRET_KEY.encode()), keys[1])
    engine.dispose()


@pytest.fixture
def story(writer: EvidenceWriter) -> dict[str, Stored]:
    """A flooder who also threatens, an old threat, a threat by WhatsApp and Telegram, and a
    sender with no evidence at all."""
    start = system_clock() - timedelta(hours=2)
    sms, wa, tg = Channel.SMS, Channel.WHATSAPP, Channel.TELEGRAM
    threat, flood = EvidenceReason.THREAT, EvidenceReason.FLOODING_SENDER
    return {
        "old": writer.message(
            sms, STALKER, FRENCH_LINE, _sid(1), "vieux", start - timedelta(days=10),
            label="threat", reason=threat,
        ),
        "before_flood": writer.message(sms, STALKER, FRENCH_LINE, _sid(2), "salut", start),
        "flood": writer.message(
            sms, STALKER, FRENCH_LINE, _sid(3), "réponds", start + timedelta(minutes=1),
            label="insult", reason=flood,
        ),
        "script": writer.message(
            sms, STALKER, FRENCH_LINE, _sid(4), SCRIPT, start + timedelta(minutes=2),
            label="threat", reason=threat,
        ),
        "american": writer.message(
            wa, AMERICAN, AMERICAN_LINE, _sid(5), "I know", start + timedelta(minutes=3),
            label="threat", reason=threat,
        ),
        "telegram": writer.message(
            tg, "tg:4242", "bot", "917", "je viens", start + timedelta(minutes=4),
            label="threat", reason=threat,
        ),
        "innocent": writer.message(sms, "+33698765432", FRENCH_LINE, _sid(6), "bonjour", start),
    }  # fmt: skip


def _export(key: Path, out: Path, *extra: str) -> dict[str, Any]:
    argv = ["export-evidence", "--private-key", str(key), "--out", str(out), *extra]
    assert main(argv) == 0
    report: dict[str, Any] = json.loads((out / "evidence.json").read_text())
    return report


def _messages(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {m["message_id"]: m for s in report["senders"] for m in s["messages"]}


def test_the_export_gives_numbers_times_provider_ids_and_matching_hashes(
    keys: tuple[Path, str], story: dict[str, Stored], tmp_path: Path
) -> None:
    report = _export(keys[0], tmp_path / "out", "--timezone", "America/Montreal")
    assert report["counts"] == {
        "senders": 3, "messages": 6, "sealed": 5, "opened": 5, "failed": 0, "linked": 1,
    }  # fmt: skip
    fingerprint = hashlib.sha256(base64.b64decode(keys[1])).hexdigest()
    assert report["key"]["sha256_fingerprint"] == fingerprint
    messages = _messages(report)
    assert story["innocent"].message_id not in messages
    script = messages[story["script"].message_id]
    inbound = story["script"].inbound
    assert (script["sender_address"], script["receiver"]) == (STALKER, FRENCH_LINE)
    assert (script["provider_id_name"], script["provider_id"]) == ("Twilio MessageSid", _sid(4))
    assert script["text"] == SCRIPT and script["reason"] == "threat"
    assert script["received_at_utc"] == inbound.received_at.isoformat(timespec="microseconds")
    paris = inbound.received_at.astimezone(ZoneInfo("Europe/Paris"))
    assert script["received_at_local"] == paris.isoformat(timespec="microseconds")
    assert (script["timezone"], script["timezone_source"]) == ("Europe/Paris", "receiving number")
    record, sealed = story["script"].record, story["script"].sealed
    assert record is not None and sealed is not None
    assert script["sha256_canonical_json"] == hashlib.sha256(record.canonical_json()).hexdigest()
    assert script["sha256_sealed"] == hashlib.sha256(sealed).hexdigest()
    assert script["canonical_json"].encode() == record.canonical_json()
    assert script["differs_from_message_row"] == []
    assert messages[story["american"].message_id]["timezone"] == "America/New_York"
    telegram = messages[story["telegram"].message_id]
    assert (telegram["sender_address"], telegram["provider_id"]) == ("tg:4242", "917")
    assert (telegram["timezone"], telegram["timezone_source"]) == ("America/Montreal", "--timezone")


def test_messages_before_the_flood_are_linked_by_pseudonym_not_sealed(
    keys: tuple[Path, str], story: dict[str, Stored], tmp_path: Path
) -> None:
    report = _export(keys[0], tmp_path / "out")
    stalker = next(s for s in report["senders"] if s["addresses"] == [STALKER])
    assert stalker["pseudonym"] == story["script"].sender
    assert stalker["sender_ref"] == public_ref(story["script"].sender)
    assert stalker["pseudonym_verified"] is True
    assert (stalker["sealed"], stalker["linked"]) == (3, 1)
    linked = _messages(report)[story["before_flood"].message_id]
    assert linked["kept_as"] == "linked_by_pseudonym" and linked["evidence_id"] is None
    assert (linked["text"], linked["sender_address"]) == ("salut", STALKER)
    assert "sha256_sealed" not in linked
    html = (tmp_path / "out" / "evidence.html").read_text()
    assert "linked by pseudonym, not sealed" in html


def test_the_html_escapes_what_senders_wrote(
    keys: tuple[Path, str], story: dict[str, Stored], tmp_path: Path
) -> None:
    _export(keys[0], tmp_path / "out")
    html = (tmp_path / "out" / "evidence.html").read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; je te retrouverai" in html
    assert STALKER in html and _sid(4) in html and "How the data was kept" in html


def test_sender_ref_and_since_select_what_is_exported(
    keys: tuple[Path, str], story: dict[str, Stored], tmp_path: Path
) -> None:
    ref = public_ref(story["american"].sender)
    only_one = _export(keys[0], tmp_path / "one", "--sender-ref", ref.upper())
    assert [s["addresses"] for s in only_one["senders"]] == [[AMERICAN]]
    assert only_one["period"]["sender_ref"] == ref.upper()
    recent = _export(keys[0], tmp_path / "recent", "--since", "24h")
    assert story["old"].message_id not in _messages(recent)
    assert recent["counts"]["sealed"] == 4
    since = (system_clock() - timedelta(days=30)).date().isoformat()
    everything = _export(keys[0], tmp_path / "all", "--since", since)
    assert story["old"].message_id in _messages(everything)
    assert everything["period"]["since_utc"] == f"{since}T00:00:00+00:00"


def test_a_record_the_key_cannot_open_is_reported_not_fatal(
    keys: tuple[Path, str], writer: EvidenceWriter, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    at = system_clock() - timedelta(minutes=5)
    good = writer.message(
        Channel.SMS, STALKER, FRENCH_LINE, _sid(7), "a", at, reason=EvidenceReason.THREAT
    )
    stranger = EvidenceSealer(new_key_pair()[1])
    bad = writer.message(
        Channel.SMS, STALKER, FRENCH_LINE, _sid(8), "b", at, reason=EvidenceReason.THREAT,
        sealer=stranger,
    )  # fmt: skip
    report = _export(keys[0], tmp_path / "out")
    assert report["counts"]["opened"] == 1 and report["counts"]["failed"] == 1
    (failure,) = report["failed"]
    assert failure["message_id"] == bad.message_id and "this private key" in failure["error"]
    assert good.message_id in _messages(report) and bad.message_id not in _messages(report)
    assert f"1 sealed records did not open with this key: ids {failure['evidence_id']}" in (
        capsys.readouterr().out
    )


def test_a_wrong_private_key_is_one_clear_line_and_exit_2(
    story: dict[str, Stored], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.key"
    wrong.write_text(new_key_pair()[0])
    out = tmp_path / "out"
    assert main(["export-evidence", "--private-key", str(wrong), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "opens none of the 5 sealed records" in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--private-key", "missing.key"], "no private key file at missing.key"),
        (["--private-key", "garbage.key"], "does not hold an evidence private key"),
        (["--private-key", "good.key", "--since", "yesterday"], "not a time like"),
        (["--private-key", "good.key", "--timezone", "Mars/Olympus"], "not a time zone"),
    ],
    ids=["missing", "garbage", "since", "timezone"],
)
def test_unusable_arguments_are_refused_before_anything_is_written(
    env_sqlite: None, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    Path("garbage.key").write_text("this is no key")
    Path("good.key").write_text(new_key_pair()[0])
    assert main(["export-evidence", *argv, "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert complaint in err and "Traceback" not in err and err.count("\n") == 1
    assert not Path("out").exists()


def test_the_default_directory_is_timestamped_and_never_overwritten(
    env_sqlite: None, keys: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export-evidence", "--private-key", str(keys[0])]) == 0
    out = capsys.readouterr().out
    (directory,) = Path.cwd().glob("evidence-*Z")
    assert f"wrote {directory.name}/evidence.json (sha256 " in out
    assert "0 senders, 0 messages" in out
    assert stat.S_IMODE((directory / "evidence.json").stat().st_mode) == 0o600
    again = ["export-evidence", "--private-key", str(keys[0]), "--out", directory.name]
    assert main(again) == 2
    assert "exists: choose another --out" in capsys.readouterr().err


def test_evidence_key_writes_a_private_file_and_prints_the_public_key(
    env_sqlite: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["evidence-key", "--private-key", "operators.key"]) == 0
    first, hint = capsys.readouterr().out.splitlines()
    assert first.startswith("ANTIRELOUS_EVIDENCE_PUBLIC_KEY=") and "offline" in hint
    path = Path("operators.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    public = first.partition("=")[2]
    record = EvidenceRecord("threat", "sms", "2026-11-28T21:30:00+00:00", "+1", "+2", "SM", "x", 0)
    assert EvidenceOpener(path.read_text()).open(EvidenceSealer(public).seal(record)) == record
    kept = path.read_text()
    assert main(["evidence-key", "--private-key", "operators.key"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert path.read_text() == kept


@pytest.fixture
def env_sqlite(monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> None:
    monkeypatch.setenv("ANTIRELOUS_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ANTIRELOUS_SECRET_KEY", SECRET_KEY)
