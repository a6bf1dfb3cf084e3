"""Twilio webhook requests as Twilio builds them, signed with the real ``RequestValidator``."""

from __future__ import annotations

import itertools
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_URL = "https://antirelous.example"
OUR_NUMBER = "+33700000001"  # a French non-mobile number, as DESIGN.md recommends

_sequence = itertools.count(1)


def new_sid(prefix: str = "SM") -> str:
    """A fresh message SID in Twilio's format."""
    return prefix + secrets.token_hex(16)


def new_number(country: str = "+336") -> str:
    """A distinct sender number per call (from the French 06 range unless told)."""
    return f"{country}{next(_sequence):08d}"


def message_fields(
    sender: str,
    body: str = "Salut, c'est moi",
    *,
    channel: str = "sms",
    sid: str | None = None,
    to: str = OUR_NUMBER,
    num_media: int = 0,
    **extra: str,
) -> dict[str, str]:
    """The form Twilio posts for an inbound message (WhatsApp adds prefixes and profile data)."""
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    fields = {
        "MessageSid": sid or new_sid(),
        "SmsMessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": prefix + sender,
        "To": prefix + to,
        "Body": body,
        "NumMedia": str(num_media),
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    if channel == "whatsapp":
        fields |= {"ProfileName": "Jean Dupont", "WaId": sender.removeprefix("+")}
    fields |= extra
    return fields


def sign(url: str, fields: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """``X-Twilio-Signature`` for a POST of ``fields`` to ``url``."""
    return str(RequestValidator(token).compute_signature(url, fields))


async def post_signed(
    client: httpx.AsyncClient,
    path: str,
    fields: dict[str, str],
    *,
    public_url: str = PUBLIC_URL,
    token: str = AUTH_TOKEN,
    **kwargs: Any,
) -> httpx.Response:
    """POST ``fields`` to ``path`` as Twilio would, signed for ``public_url`` + ``path``."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(public_url + path, fields, token),
    }
    return await client.post(path, content=urlencode(fields), headers=headers, **kwargs)
