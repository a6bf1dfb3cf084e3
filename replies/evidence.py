"""Evidence: what a complaint needs of a threat or a flood, sealed to the operators' key.

The service keeps no raw sender address, except here. A threat and every message of a
flood are kept as a record (text, time, channel, receiving number, provider id, sender
address) encrypted with PyNaCl's ``SealedBox`` to ``ANTIRELOUS_EVIDENCE_PUBLIC_KEY``. Only
the public half lives on the server: it can seal but never read what it sealed, so a stolen
database or a compromised server reveals no address. The private half stays offline and is
needed only by ``antirelous export-evidence``. Without a public key nothing is sealed, and no
raw address is kept at all.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from replies.types import Channel, Inbound


class EvidenceReason(StrEnum):
    """Why a message was kept as evidence."""

    THREAT = "threat"  # labelled a threat
    FLOODING_SENDER = "flooding_sender"  # its sender is past ANTIRELOUS_FLOOD_BLOCK
    FLOOD_EPISODE = "flood_episode"  # it arrived while a flood was detected on its channel


class EvidenceKeyError(ValueError):
    """A key is not 32 bytes of base64, or a record was not sealed to this key."""


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """What is sealed of one message: all a complaint needs, nothing about who received it."""

    reason: str
    channel: str
    received_at: str  # ISO 8601, UTC, to the microsecond
    receiver: str
    sender_address: str
    provider_id: str
    text: str
    media_count: int

    @classmethod
    def of(cls, inbound: Inbound, reason: EvidenceReason) -> EvidenceRecord:
        """The record of ``inbound``, with its raw sender address."""
        return cls(
            reason=reason.value,
            channel=inbound.channel.value,
            received_at=inbound.received_at.isoformat(),
            receiver=inbound.receiver,
            sender_address=inbound.sender_address,
            provider_id=inbound.provider_id,
            text=inbound.body,
            media_count=inbound.media_count,
        )

    @property
    def channel_name(self) -> Channel:
        return Channel(self.channel)

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)

    def canonical_json(self) -> bytes:
        """The bytes that are sealed and hashed: sorted keys, no whitespace, UTF-8."""
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


def _key_bytes(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise EvidenceKeyError(f"{what} is not base64") from error
    if len(raw) != 32:
        raise EvidenceKeyError(f"{what} must be 32 bytes of base64, got {len(raw)} bytes")
    return raw


def new_key_pair() -> tuple[str, str]:
    """A fresh ``(private, public)`` pair, each as base64 text."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private)).decode(),
        base64.b64encode(bytes(private.public_key)).decode(),
    )


@dataclass(frozen=True, slots=True)
class SealedEvidence:
    """A sealed record, ready to be stored beside its message."""

    reason: EvidenceReason
    sealed: bytes


class EvidenceSealer:
    """Seals records to the operators' public key (base64, as the setting holds it)."""

    def __init__(self, public_key: str) -> None:
        self._box = SealedBox(PublicKey(_key_bytes(public_key, "the evidence public key")))

    def seal(self, record: EvidenceRecord) -> bytes:
        return bytes(self._box.encrypt(record.canonical_json()))

    def seal_inbound(self, inbound: Inbound, reason: EvidenceReason) -> SealedEvidence:
        """``inbound`` as evidence: its record, with the raw sender address, sealed."""
        return SealedEvidence(reason, self.seal(EvidenceRecord.of(inbound, reason)))


class EvidenceOpener:
    """Opens sealed records with the private key (base64), offline, for an export."""

    def __init__(self, private_key: str) -> None:
        self._box = SealedBox(PrivateKey(_key_bytes(private_key, "the evidence private key")))

    def open(self, sealed: bytes) -> EvidenceRecord:
        try:
            data = json.loads(self._box.decrypt(sealed))
        except CryptoError as error:
            raise EvidenceKeyError("this record was not sealed to this private key") from error
        return EvidenceRecord(**data)
