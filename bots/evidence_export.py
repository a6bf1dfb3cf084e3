"""``antirelous export-evidence``: the sealed evidence, opened, as files a complaint can use.

It runs on an operator's machine, the only place the private key goes. Everything is checked
before anything is written (key, period, zone), and a key that opens none of the records is
refused: an export full of failures would look like an empty one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bots.database import open_database
from bots.evidence_keys import EvidenceExportError, fingerprint, read_private_key
from bots.evidence_report import ExportRequest, PseudonymCheck, build_report
from bots.evidence_zones import parse_since, zone_named
from bots.secret_key import key_file_for, resolve_secret_key
from bots.settings import Settings
from replies.pseudonyms import Pseudonymizer
from replies.types import Channel
from storage.engine import is_sqlite, sqlite_path
from storage.evidence_repository import EvidenceRepository

TEMPLATES = Path(__file__).parent / "templates"
JSON_NAME, HTML_NAME = "evidence.json", "evidence.html"


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """The command's arguments, as typed."""

    private_key: Path
    since: str | None
    sender_ref: str | None
    out: Path | None
    timezone: str


def custody(fingerprint_hex: str, pseudonyms_checked: bool) -> list[str]:
    """How the data was kept, in words a complaint can quote."""
    check = (
        " For this export each sealed address was hashed again under the service's key; "
        "each sender's section says whether it gives the pseudonym it was stored under."
        if pseudonyms_checked
        else ""
    )
    return [
        "Each message marked sealed was encrypted when it was received (PyNaCl SealedBox: "
        "X25519, XSalsa20-Poly1305) to the operators' public key, SHA-256 fingerprint "
        f"{fingerprint_hex}. The server is given only that public key: it can seal a record "
        "but not open one. The private key that opened them for this export is kept offline "
        "by the operators.",
        "Apart from these records the service keeps no sender address: a sender is stored as "
        "a keyed pseudonym (HMAC-SHA-256 under the service's secret key). Messages marked "
        "linked by pseudonym have no sealed record (they came before the one that caused "
        "sealing, e.g. before a flood was detected); they were stored under the same "
        f"pseudonym as the sealed records of their sender, which attributes them.{check}",
        "Nothing was edited since: for each sealed record this report gives the SHA-256 of "
        "the sealed bytes as stored and of the opened record (canonical JSON: sorted keys, no "
        "whitespace, UTF-8); the JSON file carries both, so anyone can recompute the first "
        "from the database and, with the private key, the second. A sealed record cannot be "
        "changed in part: a changed record no longer opens and is listed as failed. Linked "
        "messages are not sealed and carry no such guarantee.",
    ]


def render_html(report: dict[str, Any]) -> str:
    """The readable page; every value is escaped, the messages' text above all."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("evidence.html.j2").render(report=report)


def _pseudonym_check(settings: Settings) -> PseudonymCheck | None:
    """A check of sealed addresses against pseudonyms, when the service's key is at hand.

    The export never creates a key: without one, nothing is checked and the report says so.
    """
    path = sqlite_path(settings.database_url) if is_sqlite(settings.database_url) else None
    if settings.secret_key is None and (path is None or not key_file_for(path).exists()):
        return None
    pseudonyms = Pseudonymizer(resolve_secret_key(settings))

    def check(channel: str, address: str, pseudonym: str) -> bool:
        return pseudonyms.sender(Channel(channel), address) == pseudonym

    return check


def _write_new(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def _out_dir(options: ExportOptions, now: datetime) -> Path:
    out = options.out or Path(f"evidence-{now:%Y%m%dT%H%M%SZ}")
    for name in (JSON_NAME, HTML_NAME):
        if (out / name).exists():
            raise EvidenceExportError(f"{out / name} exists: choose another --out")
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)  # raw addresses: owner only
    except OSError as error:
        raise EvidenceExportError(f"cannot create {out}: {error.strerror}") from None
    return out


def export_evidence(options: ExportOptions, settings: Settings, now: datetime) -> list[str]:
    """Write the export; returns what to print. ``EvidenceExportError`` for what cannot be."""
    opener, public_key = read_private_key(options.private_key)
    try:
        since = parse_since(options.since, now) if options.since else None
        zone = zone_named(options.timezone)
    except ValueError as error:
        raise EvidenceExportError(str(error)) from None
    check = _pseudonym_check(settings)
    engine = open_database(settings)
    try:
        rows = EvidenceRepository(engine).rows(since, options.sender_ref)
    finally:
        engine.dispose()
    request = ExportRequest(now, since, options.sender_ref, zone, public_key)
    report = build_report(rows, opener, request, check)
    counts = report["counts"]
    if counts["sealed"] and not counts["opened"]:
        raise EvidenceExportError(
            f"this private key opens none of the {counts['sealed']} sealed records: it is not "
            f"the one ANTIRELOUS_EVIDENCE_PUBLIC_KEY was made from (its fingerprint: "
            f"sha256:{fingerprint(public_key)})"
        )
    report["how_kept"] = custody(fingerprint(public_key), check is not None)
    out = _out_dir(options, now)
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    _write_new(out / JSON_NAME, text)
    _write_new(out / HTML_NAME, render_html(report))
    lines = [
        f"wrote {out / JSON_NAME} (sha256 {hashlib.sha256(text.encode()).hexdigest()})",
        f"wrote {out / HTML_NAME}",
        f"{counts['senders']} senders, {counts['messages']} messages: {counts['opened']} "
        f"sealed records opened, {counts['linked']} messages linked by pseudonym",
    ]
    if counts["failed"]:
        ids = ", ".join(str(f["evidence_id"]) for f in report["failed"])
        lines.append(f"{counts['failed']} sealed records did not open with this key: ids {ids}")
    return lines
