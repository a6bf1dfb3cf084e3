"""The tables. Times are timezone-aware UTC (SQLModel's ``UTCDateTime``); money is integer
micro-euros (BIGINT: a budget over 2,147 EUR would overflow INTEGER), so that sums never drift.

What a message row keeps is what DESIGN.md allows: channel, receiving number, sender
pseudonym, body, media count, time, provider id, label. Never a raw sender address or a
profile name.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Naming convention so that Alembic migrations name constraints the same on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Message(SQLModel, table=True):
    """Every inbound message, answered or not, with the reply committed for it if any.

    The reply lives on the message's row, not in a table of its own: the hot path then
    writes one row (and its indexes) per message, which on SQLite is a third less work at
    commit than two rows. ``reply_status`` is ``None`` for a message that got no reply.
    """

    __tablename__ = "message"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index(None, "received_at"),
        # The flood check counts one sender's recent messages on every webhook.
        Index(None, "sender", "received_at"),
        # The spike detector finds new threats without reading every message of a flood; the
        # index holds threats only, so the webhook pays nothing for it on other messages.
        Index(
            "ix_message_threat_received_at",
            "received_at",
            sqlite_where=text("label = 'threat'"),
            postgresql_where=text("label = 'threat'"),
        ),
        # Likewise for replies refused for want of budget (the detector's "100 % spent").
        Index(
            "ix_message_budget_received_at",
            "received_at",
            sqlite_where=text("outcome = 'budget'"),
            postgresql_where=text("outcome = 'budget'"),
        ),
        Index(None, "reply_status", "reply_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    provider_id: str = Field(max_length=64)
    received_at: datetime
    receiver: str = Field(max_length=64)
    sender: str = Field(max_length=64)
    body: str = Field(sa_column=Column(Text, nullable=False))
    media_count: int
    segments: int
    label: str = Field(max_length=16)
    outcome: str = Field(max_length=16)
    inbound_cost_micro: int = Field(sa_type=BigInteger)
    reply_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reply_segments: int | None = None
    reply_cost_micro: int = Field(default=0, sa_type=BigInteger)
    reply_status: str | None = Field(default=None, max_length=16)
    reply_due_at: datetime | None = None  # queued replies: when the outbox may send it
    # The sender's address, sealed (see replies.sealing), while a queued reply waits; erased
    # once it is sent or dropped.
    reply_recipient: bytes | None = Field(default=None, sa_type=LargeBinary)
    reply_attempts: int = 0
    reply_attempted_at: datetime | None = None
    reply_sent_at: datetime | None = None
    reply_provider_id: str | None = Field(default=None, max_length=64, index=True)
    reply_error: str | None = Field(default=None, max_length=64)
    reply_delivery: str | None = Field(default=None, max_length=16)  # Twilio's final status
    reply_price_micro: int | None = Field(default=None, sa_type=BigInteger)  # Twilio's price


class ReplyWindow(SQLModel, table=True):
    """One row per sender that was answered: no second reply before ``until``."""

    __tablename__ = "reply_window"

    sender: str = Field(primary_key=True, max_length=64)
    opened_at: datetime
    until: datetime


class OptOut(SQLModel, table=True):
    """Channel-free number pseudonyms that asked to stop (STOP, ARRET, …)."""

    __tablename__ = "opt_out"

    number: str = Field(primary_key=True, max_length=64)
    since: datetime


class BudgetDay(SQLModel, table=True):
    """The spend claimed on one UTC day against that day's cap."""

    __tablename__ = "budget_day"

    day: str = Field(primary_key=True, max_length=10)
    cap_micro: int = Field(sa_type=BigInteger)
    spent_micro: int = Field(sa_type=BigInteger)
    # The highest share of the cap (50, 80, 100) that Slack was told of: each is said once.
    alerted_percent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Pause(SQLModel, table=True):
    """A paused channel: messages are still stored, none is answered.

    ``pause all`` writes one row per channel, so that resuming one channel is just deleting
    its row. ``until`` is ``None`` for a pause without end; ``automatic`` pauses are the only
    ones an automatic resume may lift.
    """

    __tablename__ = "pause"

    channel: str = Field(primary_key=True, max_length=16)
    paused_at: datetime
    paused_by: str = Field(max_length=64)
    until: datetime | None = None
    automatic: bool = False


class Block(SQLModel, table=True):
    """A blocked sender (per channel pseudonym): stored, counted, never answered.

    An admin may block by the ref an alert shows, or by a number typed once (hashed at once
    into one row per channel). ``automatic`` blocks come from the flood detector.
    """

    __tablename__ = "block"

    sender: str = Field(primary_key=True, max_length=64)
    blocked_at: datetime
    blocked_by: str = Field(max_length=64)
    until: datetime | None = None
    automatic: bool = False


class Alert(SQLModel, table=True):
    """An alert for the operators, stored first and delivered to Slack when it can be.

    Alerts with the same ``key`` within a minute of the last post are one alert, updated in
    place (a flood is one message that keeps its figures current). ``message_id`` points at
    the message a threat alert is about: its text is never posted, only revealed on demand.
    """

    __tablename__ = "alert"
    __table_args__ = (Index(None, "key", "created_at"), Index(None, "pending"))

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    key: str = Field(max_length=64)
    created_at: datetime
    updated_at: datetime
    text: str = Field(sa_column=Column(Text, nullable=False))
    count: int = 1
    message_id: int | None = None
    pending: bool = True  # raised or changed since Slack last saw it
    claimed_until: datetime | None = None  # a replica is delivering it until then
    slack_ts: str | None = Field(default=None, max_length=32)
    posted_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Who changed what, and when: pauses, resumes, and later blocks and budget changes."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    detail: str = Field(sa_column=Column(Text, nullable=False))


class Evidence(SQLModel, table=True):
    """A message kept as evidence: its record sealed to the operators' public key.

    ``sender`` (the pseudonym) and ``received_at`` are in clear so that an export can select
    by ref and by time without the private key; everything else is only inside ``sealed``.
    """

    __tablename__ = "evidence"
    __table_args__ = (Index(None, "received_at"), Index(None, "sender"))

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(unique=True)
    sender: str = Field(max_length=64)
    channel: str = Field(max_length=16)
    received_at: datetime
    reason: str = Field(max_length=16)
    sealed: bytes = Field(sa_type=LargeBinary)


class SpikeState(SQLModel, table=True):
    """What the spike detector knows of a channel between its runs.

    The baselines are moving averages (per minute) of quiet times; ``episode_started_at`` is
    set while a flood is under way on the channel, and every message then is kept as evidence.
    """

    __tablename__ = "spike_state"

    channel: str = Field(primary_key=True, max_length=16)
    updated_at: datetime  # when the state last changed (an unchanged one is not rewritten)
    inbound_per_minute: float = 0.0
    senders_per_minute: float = 0.0
    replies_per_minute: float = 0.0
    episode_started_at: datetime | None = None
    quiet_since: datetime | None = None  # the episode ends after a quiet spell


class JobTick(SQLModel, table=True):
    """One scheduled job's run for one tick (``floor(now / interval)``), claimed by one replica.

    Every replica runs the scheduler; whichever inserts the row first does the tick's work, the
    others skip it. When that replica dies, the next tick goes to another.
    """

    __tablename__ = "job_tick"

    job: str = Field(primary_key=True, max_length=32)
    tick: int = Field(primary_key=True, sa_type=BigInteger)
    claimed_at: datetime
