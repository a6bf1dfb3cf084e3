"""The rules that decide, before any claim, whether a message may get a reply.

The order follows DESIGN.md: an opt-out keyword is honoured first, whatever else is true;
then the reasons that no reply may ever go; the window and the budget are claimed last, in the
storage transaction, because they are shared with concurrent requests.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from replies.numbers import calling_code
from replies.types import NUMBER_CHANNELS, Channel, Inbound, Label, Outcome

# Whole-message keywords, compared case-insensitively without accents or end punctuation.
# The English ones are those carriers and Twilio honour; the French ones are what people type.
OPT_OUT_WORDS = frozenset(
    {
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "optout",
        "revoke",
        "arret",
        "arreter",
        "desabonner",
        "desinscrire",
        "desinscription",
        "stop sms",
        "/stop",
    }
)
# Not "/start": Telegram sends it when someone first opens the chat, a first contact.
OPT_IN_WORDS = frozenset({"start", "unstop", "demarrer"})


class Keyword(Enum):
    """An opt-out or opt-in request."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.rstrip(".!").split())


def keyword(body: str) -> Keyword | None:
    """The opt-out or opt-in request that ``body`` is, if the whole message is one."""
    folded = _fold(body)
    if folded in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if folded in OPT_IN_WORDS:
        return Keyword.OPT_IN
    return None


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """What storage knows at decision time of the sender, and of the channel they wrote to."""

    opted_out: bool
    paused: bool = False
    blocked: bool = False
    recent_messages: int = 0  # the sender's messages since the flood limit's window began
    flood_episode: bool = False  # a flood is under way on the channel
    abusive_before: bool = False  # an earlier message of the sender, in the window, was abusive


def refusal(
    inbound: Inbound,
    label: Label,
    facts: SenderFacts,
    reply_countries: frozenset[int] | None,
) -> Outcome | None:
    """Why ``inbound`` gets no reply, or ``None`` when it may have one if window and budget allow.

    ``reply_countries`` of ``None`` means: only the country of the receiving number.
    """
    if inbound.edited:
        return Outcome.EDITED
    request = keyword(inbound.body)
    if request is Keyword.OPT_OUT:
        return Outcome.OPT_OUT
    if request is Keyword.OPT_IN:
        return Outcome.OPT_IN
    if facts.blocked:
        return Outcome.BLOCKED
    if facts.opted_out:
        return Outcome.OPTED_OUT
    if facts.paused:
        return Outcome.PAUSED
    if inbound.channel in NUMBER_CHANNELS:
        outcome = _number_refusal(inbound, reply_countries)
        if outcome is not None:
            return outcome
    if (
        inbound.channel is not Channel.VOICE
        and not inbound.body.strip()
        and not inbound.media_count
    ):
        return Outcome.EMPTY
    if label is not Label.OK or facts.abusive_before:
        return Outcome.ABUSIVE
    return None


def send_time_refusal(facts: SenderFacts) -> Outcome | None:
    """Why a queued reply may no longer go: what changed since it was committed."""
    if facts.blocked:
        return Outcome.BLOCKED
    if facts.opted_out:
        return Outcome.OPTED_OUT
    if facts.paused:
        return Outcome.PAUSED
    return None


def _number_refusal(inbound: Inbound, reply_countries: frozenset[int] | None) -> Outcome | None:
    """Why a sender known by phone number may not be answered: no number, or its country."""
    code = calling_code(inbound.sender_address)
    if code is None:
        return Outcome.NO_NUMBER
    allowed = reply_countries
    if allowed is None:
        own = calling_code(inbound.receiver)
        allowed = frozenset() if own is None else frozenset({own})
    if code not in allowed:
        return Outcome.COUNTRY
    return None
