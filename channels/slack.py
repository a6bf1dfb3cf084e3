"""Slack's requests: signed with the app's signing secret over the raw body.

``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``; a timestamp more than five minutes off is
refused too, so a captured request cannot be replayed later. Slack (and slack-bolt) answer
such requests 401, and so do we.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier

from channels.errors import MalformedRequest
from replies.ports import Clock

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


class UnsignedSlackRequest(PermissionError):
    """A Slack request with a missing, wrong or stale signature (answered 401)."""


class _InjectedClock(SlackClock):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()


def slack_verifier(signing_secret: str, clock: Clock) -> SignatureVerifier:
    """slack-sdk's verifier, reading our clock (tests move it; nothing sleeps)."""
    return SignatureVerifier(signing_secret, clock=_InjectedClock(clock))


def verify(
    verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None
) -> None:
    """Raise ``UnsignedSlackRequest`` unless Slack signed ``body`` just now."""
    if not timestamp or not signature:
        raise UnsignedSlackRequest("missing Slack signature")
    if not verifier.is_valid(body, timestamp, signature):
        raise UnsignedSlackRequest("invalid or stale Slack signature")


def interaction_payload(fields: dict[str, str]) -> dict[str, Any]:
    """The JSON ``payload`` field of an interaction."""
    try:
        payload = json.loads(fields["payload"])
    except (KeyError, ValueError) as error:
        raise MalformedRequest("an interaction carries one JSON field, payload") from error
    if not isinstance(payload, dict):
        raise MalformedRequest("the payload is not a JSON object")
    return payload
