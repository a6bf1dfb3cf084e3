"""Twilio's Voice webhook: a call comes in, the answer is TwiML.

The request is signed like a Messaging one (same header, same HMAC over the public URL and
the form), so ``twilio_messaging.verify`` checks it. A call has no text: its ``Inbound`` has an
empty body, and the ``CallSid`` is its provider id (a redelivered call gets the stored answer).
The answer is either a busy tone (``<Reject reason="busy"/>``: unbilled, what a busy person's
phone sounds like) or the consent message, spoken or played, then the end of the call.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from twilio.twiml.voice_response import VoiceResponse

from channels.errors import MalformedRequest
from replies.types import Channel, Decision, Inbound

_CALL_SID = re.compile(r"CA[0-9a-fA-F]{32}")
#: Twilio's ``<Say>`` voices by the service's locale.
SAY_LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}


def _address(fields: dict[str, str], name: str) -> str:
    value = fields.get(name, "").strip()
    if not value:
        raise MalformedRequest(f"missing field {name}")
    if len(value) > 64:
        raise MalformedRequest(f"field {name} is too long")
    return value


def parse_call(fields: dict[str, str], received_at: datetime) -> Inbound:
    """The ``Inbound`` of a Voice webhook's fields; ``MalformedRequest`` says what is wrong.

    Only the call's id and the two numbers are taken: caller names (``CallerName``) and
    locations (``FromCity``, …) are not.
    """
    sid = fields.get("CallSid", "")
    if not _CALL_SID.fullmatch(sid):
        raise MalformedRequest("missing or malformed CallSid")
    return Inbound(
        channel=Channel.VOICE,
        provider_id=sid,
        sender_address=_address(fields, "From"),
        receiver=_address(fields, "To"),
        body="",
        media_count=0,
        segments=1,
        received_at=received_at,
    )


@lru_cache(maxsize=1)
def busy_twiml() -> str:
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


@lru_cache(maxsize=16)
def spoken_twiml(text: str, locale: str, audio_url: str | None) -> str:
    """The consent message, said in the locale's voice (or the recording played), then the
    end of the call."""
    response = VoiceResponse()
    if audio_url:
        response.play(audio_url)
    else:
        response.say(text, language=SAY_LANGUAGES.get(locale, "fr-FR"))
    response.hangup()
    return str(response)


def voice_twiml(decision: Decision, locale: str, audio_url: str | None) -> str:
    """A spoken reply when the decision carries one; a busy tone otherwise."""
    if decision.reply:
        return spoken_twiml(decision.reply, locale, audio_url)
    return busy_twiml()
