"""Platform-neutral types that flow between the channels, the core and storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Channel(StrEnum):
    """Where a message came from; each has its own pseudonyms, window and reply template."""

    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    VOICE = "voice"  # a call: answered with a busy tone and an SMS, or a spoken message


#: Channels whose senders are phone numbers, with a country and an opt-out shared across them.
NUMBER_CHANNELS: frozenset[Channel] = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.VOICE})

#: Channels whose replies cost money and are therefore held to the daily budget.
PAID_CHANNELS: frozenset[Channel] = frozenset({Channel.SMS, Channel.WHATSAPP, Channel.VOICE})


class Label(StrEnum):
    """What the classifier thinks of a message. Every message gets one, answered or not."""

    OK = "ok"
    INSULT = "insult"
    THREAT = "threat"


class Outcome(StrEnum):
    """Why a message was, or was not, answered. Stored with the message for the ledger."""

    REPLIED = "replied"  # answered inline, in the webhook's own answer
    QUEUED = "queued"  # a reply was committed to the outbox, to go out after the delay
    OPT_OUT = "opt_out"  # this message asked to stop
    OPT_IN = "opt_in"  # this message asked to start again
    BLOCKED = "blocked"  # the operators blocked this sender
    OPTED_OUT = "opted_out"  # the sender had asked to stop earlier
    PAUSED = "paused"  # the operators paused this channel
    NO_NUMBER = "no_number"  # withheld number, alphanumeric sender id or short code
    COUNTRY = "country"  # the sender's country is not in ANTIRELOUS_REPLY_COUNTRIES
    EMPTY = "empty"  # no text and no media
    NOT_MOBILE = "not_mobile"  # a call from a number that cannot receive the SMS
    EDITED = "edited"  # an edit of an earlier message: stored, never answered
    ABUSIVE = "abusive"  # labelled insult or threat: never paid for
    WINDOW_OPEN = "window_open"  # this sender already had a reply within the window
    BUDGET = "budget"  # the day's budget cannot pay for the reply


#: Outcomes that committed a reply, and so opened the sender's window.
REPLY_OUTCOMES: frozenset[Outcome] = frozenset({Outcome.REPLIED, Outcome.QUEUED})


class ReplyStatus(StrEnum):
    """Where a committed reply is. Only ``queued`` replies may still be sent."""

    INLINE = "inline"  # rode in the webhook's answer
    QUEUED = "queued"  # waits in the outbox for its due time
    SENDING = "sending"  # handed to the platform's API; the outcome is not recorded yet
    SENT = "sent"  # the platform accepted it
    UNKNOWN = "unknown"  # may or may not have gone (timeout, 5xx, crash): never resent
    FAILED = "failed"  # the platform refused it (4xx); nothing was sent
    DROPPED = "dropped"  # not sent, and never will be (paused, opted out, expired, …)


#: Statuses of replies that were, or may have been, paid for: what the ledger counts.
COUNTED_STATUSES: frozenset[ReplyStatus] = frozenset(
    {ReplyStatus.INLINE, ReplyStatus.SENT, ReplyStatus.UNKNOWN}
)


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as a platform delivered it, before anything was decided.

    ``sender_address`` is the raw address (an E.164 number, an alphanumeric id, ``tg:<user
    id>``, …). It lives only in memory: storage receives the keyed pseudonym instead, never this
    field. ``reply_to`` is where a reply goes when that is not the sender's address (a Telegram
    chat, through a business connection); it is only ever stored sealed. ``language`` is the
    sender's own language when the platform tells it (Telegram does).
    """

    channel: Channel
    provider_id: str
    sender_address: str
    receiver: str
    body: str
    media_count: int
    segments: int
    received_at: datetime
    language: str | None = None
    reply_to: str | None = None
    edited: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What the service answers to one inbound message.

    ``duplicate`` is true when the platform redelivered a message already decided: the stored
    outcome and reply are returned unchanged, and nothing is counted again.
    """

    outcome: Outcome
    reply: str | None = None
    duplicate: bool = False
