"""Reading the evidence back for an export, with what the message rows add to it.

The sealed record is what a complaint rests on; the message row adds what was decided
(label, outcome, reply). A sender's other messages in the period, those that arrived before
a flood was detected for instance, carry no sealed record, but the same pseudonym links them
to the sealed address: they are read too, and marked as linked rather than sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, literal_column, null, select, true, union_all

from storage.errors import outages_as_unavailable
from storage.tables import Evidence, Message

evidence_t = Evidence.__table__  # type: ignore[attr-defined]
message_t = Message.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One message of an export: sealed evidence, or a message linked to it by pseudonym.

    ``evidence_id``, ``reason`` and ``sealed`` are ``None`` for a linked message. The message
    fields are ``None`` when the message row is gone (``forget``) while its evidence was kept.
    """

    evidence_id: int | None
    message_id: int
    sender: str
    channel: str
    received_at: datetime
    reason: str | None
    sealed: bytes | None
    label: str | None
    outcome: str | None
    reply_status: str | None
    receiver: str | None
    provider_id: str | None
    body: str | None
    media_count: int | None

    @property
    def is_sealed(self) -> bool:
        return self.sealed is not None


def _utc(moment: datetime) -> datetime:
    # SQLite hands back naive times; every time stored is UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _message_columns() -> list[ColumnElement[Any]]:
    return [
        message_t.c.label,
        message_t.c.outcome,
        message_t.c.reply_status,
        message_t.c.receiver,
        message_t.c.provider_id,
        message_t.c.body,
        message_t.c.media_count,
    ]


class EvidenceRepository:
    """Evidence rows and their linked messages, in time order, selected without any key."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def rows(
        self, since: datetime | None = None, sender_ref: str | None = None
    ) -> list[EvidenceRow]:
        """The sealed evidence received since ``since``, of the senders whose pseudonym starts
        with ``sender_ref``, and the same senders' unsealed messages of the period.
        """
        selected: ColumnElement[bool] = true()
        if since is not None:
            selected = and_(selected, evidence_t.c.received_at >= since)
        if sender_ref:
            prefix = sender_ref.strip().lower()
            selected = and_(selected, evidence_t.c.sender.startswith(prefix, autoescape=True))
        sealed = (
            select(
                evidence_t.c.id.label("evidence_id"),
                evidence_t.c.message_id,
                evidence_t.c.sender,
                evidence_t.c.channel,
                evidence_t.c.received_at,
                evidence_t.c.reason,
                evidence_t.c.sealed,
                *_message_columns(),
            )
            .select_from(evidence_t.outerjoin(message_t, message_t.c.id == evidence_t.c.message_id))
            .where(selected)
        )
        linked_condition = and_(
            message_t.c.sender.in_(select(evidence_t.c.sender).where(selected)),
            message_t.c.id.not_in(select(evidence_t.c.message_id)),
        )
        if since is not None:
            linked_condition = and_(linked_condition, message_t.c.received_at >= since)
        linked = select(
            null().label("evidence_id"),
            message_t.c.id.label("message_id"),
            message_t.c.sender,
            message_t.c.channel,
            message_t.c.received_at,
            null().label("reason"),
            null().label("sealed"),
            *_message_columns(),
        ).where(linked_condition)
        query = union_all(sealed, linked).order_by(
            literal_column("received_at"), literal_column("message_id")
        )
        with outages_as_unavailable(), self._engine.connect() as connection:
            return [self._row(row._mapping) for row in connection.execute(query)]

    @staticmethod
    def _row(values: Any) -> EvidenceRow:
        sealed = values["sealed"]
        return EvidenceRow(
            evidence_id=values["evidence_id"],
            message_id=values["message_id"],
            sender=values["sender"],
            channel=values["channel"],
            received_at=_utc(values["received_at"]),
            reason=values["reason"],
            sealed=bytes(sealed) if sealed is not None else None,
            label=values["label"],
            outcome=values["outcome"],
            reply_status=values["reply_status"],
            receiver=values["receiver"],
            provider_id=values["provider_id"],
            body=values["body"],
            media_count=values["media_count"],
        )
