"""The content of an evidence export: opened records, grouped by sender, with their hashes.

One plain structure (JSON types only) feeds both the JSON file and the HTML page, so that the
two can never say different things.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bots.evidence_zones import local_zone
from replies.evidence import EvidenceKeyError, EvidenceOpener, EvidenceRecord
from replies.pseudonyms import public_ref
from storage.evidence_repository import EvidenceRow

FORMAT = "antirelous-evidence/1"
SEALED = "sealed"
LINKED = "linked_by_pseudonym"
#: What the provider id of a channel is, as the provider's own documents name it.
PROVIDER_ID_NAMES = {
    "sms": "Twilio MessageSid",
    "whatsapp": "Twilio MessageSid",
    "telegram": "Telegram update_id",
}

#: Tells whether a sealed address belongs to a pseudonym: ``(channel, address, pseudonym)``.
PseudonymCheck = Callable[[str, str, str], bool]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class _Group:
    pseudonym: str
    channel: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the operator asked for, and the key fingerprint to print in the header."""

    exported_at: datetime
    since: datetime | None
    sender_ref: str | None
    fallback_zone: ZoneInfo
    public_key: str  # base64, derived from the private key given


def _times(moment: datetime, receiver: str | None, fallback: ZoneInfo) -> dict[str, str]:
    zone, source = local_zone(receiver, fallback)
    return {
        "received_at_utc": moment.isoformat(timespec="microseconds"),
        "received_at_local": moment.astimezone(zone).isoformat(timespec="microseconds"),
        "timezone": zone.key,
        "timezone_source": source,
    }


def _differences(record: EvidenceRecord, row: EvidenceRow) -> list[str]:
    """Fields where the clear message row no longer says what the sealed record says."""
    if row.body is None:
        return []
    pairs = {
        "receiver": (record.receiver, row.receiver),
        "provider_id": (record.provider_id, row.provider_id),
        "text": (record.text, row.body),
        "media_count": (record.media_count, row.media_count),
    }
    return [name for name, (sealed, stored) in pairs.items() if sealed != stored]


def _entry(row: EvidenceRow, record: EvidenceRecord | None, zone: ZoneInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "message_id": row.message_id,
        "evidence_id": row.evidence_id,
        "kept_as": SEALED if record else LINKED,
        "channel": row.channel,
        "sender_address": record.sender_address if record else None,
        "receiver": record.receiver if record else row.receiver,
        **_times(record.received if record else row.received_at, row.receiver, zone),
        "provider_id_name": PROVIDER_ID_NAMES.get(row.channel, "provider id"),
        "provider_id": record.provider_id if record else row.provider_id,
        "text": record.text if record else row.body,
        "media_count": record.media_count if record else row.media_count,
        "label": row.label,
        "outcome": row.outcome,
        "reply_status": row.reply_status,
        "reason": record.reason if record else None,
    }
    if record is not None and row.sealed is not None:
        canonical = record.canonical_json()
        entry["sha256_canonical_json"] = sha256_hex(canonical)
        entry["sha256_sealed"] = sha256_hex(row.sealed)
        entry["differs_from_message_row"] = _differences(record, row)
        entry["canonical_json"] = canonical.decode()
        entry["sealed_base64"] = base64.b64encode(row.sealed).decode()
    return entry


def _failure(row: EvidenceRow, error: Exception) -> dict[str, Any]:
    return {
        "evidence_id": row.evidence_id,
        "message_id": row.message_id,
        "sender_ref": public_ref(row.sender),
        "received_at_utc": row.received_at.isoformat(timespec="microseconds"),
        "sha256_sealed": sha256_hex(row.sealed or b""),
        "error": str(error) if isinstance(error, EvidenceKeyError) else "not an evidence record",
    }


def _sender(group: _Group, check: PseudonymCheck | None) -> dict[str, Any]:
    addresses = sorted(set(group.addresses))
    verified = None
    if check is not None and addresses:
        verified = all(check(group.channel, a, group.pseudonym) for a in addresses)
    for message in group.messages:
        if message["kept_as"] == LINKED and len(addresses) == 1:
            message["sender_address"] = addresses[0]
    kinds = [message["kept_as"] for message in group.messages]
    return {
        "sender_ref": public_ref(group.pseudonym),
        "pseudonym": group.pseudonym,
        "channel": group.channel,
        "addresses": addresses,
        "pseudonym_verified": verified,
        "sealed": kinds.count(SEALED),
        "linked": kinds.count(LINKED),
        "first_at_utc": group.messages[0]["received_at_utc"],
        "last_at_utc": group.messages[-1]["received_at_utc"],
        "messages": group.messages,
    }


def build_report(
    rows: Sequence[EvidenceRow],
    opener: EvidenceOpener,
    request: ExportRequest,
    check: PseudonymCheck | None = None,
) -> dict[str, Any]:
    """The export of ``rows`` (in time order); records that do not open are listed apart."""
    groups: dict[str, _Group] = {}
    failed: list[dict[str, Any]] = []
    for row in rows:
        record = None
        if row.sealed is not None:
            try:
                record = opener.open(row.sealed)
            except (ValueError, TypeError) as error:  # EvidenceKeyError is a ValueError
                failed.append(_failure(row, error))
                continue
        group = groups.setdefault(row.sender, _Group(row.sender, row.channel))
        group.messages.append(_entry(row, record, request.fallback_zone))
        if record is not None:
            group.addresses.append(record.sender_address)
    # A sender none of whose records opened has nothing to attribute its linked messages to.
    senders = [_sender(g, check) for g in groups.values() if g.addresses]
    sealed = sum(1 for row in rows if row.is_sealed)
    key = base64.b64decode(request.public_key)
    return {
        "format": FORMAT,
        "exported_at_utc": request.exported_at.isoformat(timespec="seconds"),
        "period": {
            "since_utc": request.since.isoformat(timespec="seconds") if request.since else None,
            "until_utc": request.exported_at.isoformat(timespec="seconds"),
            "sender_ref": request.sender_ref,
        },
        "key": {"public_key": request.public_key, "sha256_fingerprint": sha256_hex(key)},
        "counts": {
            "senders": len(senders),
            "messages": sum(len(s["messages"]) for s in senders),
            "sealed": sealed,
            "opened": sealed - len(failed),
            "failed": len(failed),
            "linked": sum(s["linked"] for s in senders),
        },
        "failed": failed,
        "senders": senders,
    }
