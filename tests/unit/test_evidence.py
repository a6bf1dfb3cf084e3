"""Sealed evidence: only the private key opens it, and a changed byte is never read as a record."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from replies.evidence import (
    EvidenceKeyError,
    EvidenceOpener,
    EvidenceReason,
    EvidenceRecord,
    EvidenceSealer,
    new_key_pair,
)
from replies.types import Channel, Inbound


def _inbound(body: str = "Je sais où tu habites <b>") -> Inbound:
    return Inbound(
        channel=Channel.SMS,
        provider_id="SM" + "a" * 32,
        sender_address="+33612345678",
        receiver="+33700000001",
        body=body,
        media_count=1,
        segments=1,
        received_at=datetime(2026, 11, 28, 21, 30, 0, 123456, tzinfo=UTC),
    )


def test_a_sealed_record_opens_with_its_private_key_to_the_same_record() -> None:
    private, public = new_key_pair()
    record = EvidenceRecord.of(_inbound(), EvidenceReason.THREAT)
    opened = EvidenceOpener(private).open(EvidenceSealer(public).seal(record))
    assert opened == record
    assert opened.canonical_json() == record.canonical_json()
    assert opened.sender_address == "+33612345678"
    assert opened.received == datetime(2026, 11, 28, 21, 30, 0, 123456, tzinfo=UTC)
    assert opened.channel_name is Channel.SMS


def test_the_sealed_bytes_do_not_show_the_address_and_differ_every_time() -> None:
    _, public = new_key_pair()
    record = EvidenceRecord.of(_inbound(), EvidenceReason.FLOOD_EPISODE)
    sealer = EvidenceSealer(public)
    first, second = sealer.seal(record), sealer.seal(record)
    assert first != second  # a fresh ephemeral key per record: equal texts are not linkable
    assert b"33612345678" not in first and b"habites" not in first


def test_canonical_json_is_sorted_compact_utf8() -> None:
    record = EvidenceRecord.of(_inbound("é"), EvidenceReason.THREAT)
    canonical = record.canonical_json()
    data = json.loads(canonical)
    assert canonical == json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    assert list(data) == sorted(data) and data["text"] == "é"
    assert data["received_at"] == "2026-11-28T21:30:00.123456+00:00"


def test_another_private_key_cannot_open_a_record() -> None:
    _, public = new_key_pair()
    other_private, _ = new_key_pair()
    sealed = EvidenceSealer(public).seal(EvidenceRecord.of(_inbound(), EvidenceReason.THREAT))
    with pytest.raises(EvidenceKeyError, match="not sealed to this private key"):
        EvidenceOpener(other_private).open(sealed)


def test_a_changed_byte_makes_the_record_unopenable() -> None:
    private, public = new_key_pair()
    sealed = bytearray(
        EvidenceSealer(public).seal(EvidenceRecord.of(_inbound(), EvidenceReason.THREAT))
    )
    sealed[-1] ^= 1
    with pytest.raises(EvidenceKeyError):
        EvidenceOpener(private).open(bytes(sealed))


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        ("not base64 at all!", "not base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (base64.b64encode(bytes(33)).decode(), "got 33 bytes"),
    ],
    ids=["not-base64", "too-short", "too-long"],
)
def test_a_malformed_key_is_refused_with_a_reason(key: str, complaint: str) -> None:
    with pytest.raises(EvidenceKeyError, match=complaint):
        EvidenceSealer(key)
    with pytest.raises(EvidenceKeyError, match=complaint):
        EvidenceOpener(key)


def test_keys_pasted_with_surrounding_whitespace_are_accepted() -> None:
    private, public = new_key_pair()
    record = EvidenceRecord.of(_inbound(), EvidenceReason.FLOODING_SENDER)
    sealed = EvidenceSealer(f"  {public}\n").seal(record)
    assert EvidenceOpener(f"{private}\n").open(sealed) == record
