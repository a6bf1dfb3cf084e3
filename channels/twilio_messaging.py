"""Twilio's Messaging webhook, for SMS and WhatsApp.

Twilio signs each request: HMAC-SHA1, keyed by the auth token, over the URL it called and the
sorted form fields. The URL must be the public one Twilio was given (``ANTIRELOUS_PUBLIC_URL``
plus path and query), not what a proxy turned it into.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from channels.errors import ForgedRequest, MalformedRequest
from replies.types import Channel, Decision, Inbound

SIGNATURE_HEADER = "X-Twilio-Signature"
WHATSAPP_PREFIX = "whatsapp:"
_MESSAGE_SID = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
EMPTY_TWIML = str(MessagingResponse())


def verify(
    validator: RequestValidator, url: str, fields: dict[str, str], signature: str | None
) -> None:
    """Raise ``ForgedRequest`` unless ``signature`` is Twilio's for this URL and these fields.

    The signature is first computed once, for the exact URL. Only when that fails does
    ``validate`` try the URL with and without an explicit port (two more HMACs and a URL
    parse), so that cost falls on forged requests rather than on every genuine one.
    """
    if not signature:
        raise ForgedRequest(f"missing {SIGNATURE_HEADER}")
    if hmac.compare_digest(validator.compute_signature(url, fields).encode(), signature.encode()):
        return
    if not validator.validate(url, fields, signature):
        raise ForgedRequest(f"invalid {SIGNATURE_HEADER}")


def _count(fields: dict[str, str], name: str, default: int, minimum: int) -> int:
    value = fields.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum or int(value) > 1000:
        raise MalformedRequest(f"{name} must be a whole number")
    return int(value)


def _address(fields: dict[str, str], name: str, channel: Channel) -> str:
    value = fields.get(name, "").strip()
    if channel is Channel.WHATSAPP:
        value = value.removeprefix(WHATSAPP_PREFIX)
    if not value:
        raise MalformedRequest(f"missing field {name}")
    if len(value) > 64:
        raise MalformedRequest(f"field {name} is too long")
    return value


def parse_inbound(channel: Channel, fields: dict[str, str], received_at: datetime) -> Inbound:
    """The ``Inbound`` of a Messaging webhook's fields; ``MalformedRequest`` says what is wrong.

    Only what DESIGN.md allows is taken: ProfileName, WaId and the media URLs are not.
    """
    sid = fields.get("MessageSid", "")
    if not sid:
        raise MalformedRequest("missing field MessageSid")
    if not _MESSAGE_SID.fullmatch(sid):
        raise MalformedRequest("MessageSid is not a Twilio message SID")
    return Inbound(
        channel=channel,
        provider_id=sid,
        sender_address=_address(fields, "From", channel),
        receiver=_address(fields, "To", channel),
        body=fields.get("Body", ""),
        media_count=_count(fields, "NumMedia", default=0, minimum=0),
        segments=_count(fields, "NumSegments", default=1, minimum=1),
        received_at=received_at,
    )


@lru_cache(maxsize=64)
def _twiml_message(text: str) -> str:
    response = MessagingResponse()
    response.message(text)
    return str(response)


def twiml(decision: Decision) -> str:
    """The TwiML answer: one ``<Message>`` with the reply, or an empty ``<Response/>``."""
    return _twiml_message(decision.reply) if decision.reply else EMPTY_TWIML


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """What Twilio's status callback says of a reply we sent."""

    provider_id: str
    status: str
    price_micro: int | None  # only when Twilio priced it in EUR, the ledger's currency
    segments: int | None


def parse_status(fields: dict[str, str]) -> DeliveryReport:
    """The ``DeliveryReport`` of a status callback; ``MalformedRequest`` says what is wrong."""
    sid = fields.get("MessageSid", "")
    if not _MESSAGE_SID.fullmatch(sid):
        raise MalformedRequest("missing or malformed MessageSid")
    status = fields.get("MessageStatus", "")
    if not status.isalpha() or len(status) > 16:
        raise MalformedRequest("missing or malformed MessageStatus")
    price_micro = None
    if fields.get("Price") and fields.get("PriceUnit", "").upper() == "EUR":
        try:
            price_micro = int(abs(Decimal(fields["Price"])) * 1_000_000)
        except InvalidOperation as error:
            raise MalformedRequest("Price is not a number") from error
    segments = _count(fields, "NumSegments", default=0, minimum=1) or None
    return DeliveryReport(sid, status.lower(), price_micro, segments)
