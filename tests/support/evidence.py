"""Evidence as the hot path leaves it: message rows, and sealed records for some of them.

The rows are written with SQLAlchemy directly, so that the export is tested on exactly what
is in the tables, whatever wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, insert

from replies.evidence import EvidenceReason, EvidenceRecord, EvidenceSealer
from replies.pseudonyms import Pseudonymizer
from replies.types import Channel, Inbound
from storage.tables import Evidence, Message

message_t = Message.__table__  # type: ignore[attr-defined]
evidence_t = Evidence.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Stored:
    """One message written, with what a test checks the export against."""

    message_id: int
    sender: str
    inbound: Inbound
    record: EvidenceRecord | None
    sealed: bytes | None


@dataclass
class EvidenceWriter:
    """Writes messages, sealing those given a reason to ``public_key``."""

    engine: Engine
    pseudonyms: Pseudonymizer
    public_key: str
    stored: list[Stored] = field(default_factory=list)

    def message(
        self,
        channel: Channel,
        sender: str,
        receiver: str,
        provider_id: str,
        body: str,
        at: datetime,
        *,
        label: str = "ok",
        reason: EvidenceReason | None = None,
        sealer: EvidenceSealer | None = None,
    ) -> Stored:
        inbound = Inbound(channel, provider_id, sender, receiver, body, 0, 1, at)
        pseudonym = self.pseudonyms.sender(channel, sender)
        record = EvidenceRecord.of(inbound, reason) if reason else None
        sealed = (sealer or EvidenceSealer(self.public_key)).seal(record) if record else None
        with self.engine.begin() as connection:
            message_id = connection.execute(
                insert(message_t)
                .values(
                    channel=channel.value,
                    provider_id=provider_id,
                    received_at=at,
                    receiver=receiver,
                    sender=pseudonym,
                    body=body,
                    media_count=0,
                    segments=1,
                    label=label,
                    outcome="abusive" if label != "ok" else "replied",
                    inbound_cost_micro=0,
                    reply_cost_micro=0,
                    reply_attempts=0,
                    reply_status=None if label != "ok" else "inline",
                )
                .returning(message_t.c.id)
            ).scalar_one()
            if reason and sealed:
                connection.execute(
                    insert(evidence_t).values(
                        message_id=message_id,
                        sender=pseudonym,
                        channel=channel.value,
                        received_at=at,
                        reason=reason.value,
                        sealed=sealed,
                    )
                )
        stored = Stored(message_id, pseudonym, inbound, record, sealed)
        self.stored.append(stored)
        return stored
