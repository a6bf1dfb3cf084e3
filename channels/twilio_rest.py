"""Sending a queued reply through Twilio's REST API, at most once (see ``channels.sending``):
a refused connection or a 429 is retried; a read timeout, a 5xx or a lost connection is
``unknown``; any other 4xx is ``failed`` with Twilio's error code.
"""

from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from channels.sending import SendOutcome, SendResult
from replies.types import Channel

WHATSAPP_PREFIX = "whatsapp:"
TIMEOUT_S = 10.0

# The library logs every request at INFO; the URLs carry no number, but the noise helps nobody.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def _nothing_was_sent(error: requests.ConnectionError) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


class TwilioSender:
    """Sends SMS and WhatsApp replies from the number the person wrote to."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_url: str,
        status_callback: str | None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        http_client = TwilioHttpClient(timeout=timeout_s)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        # The REST client has no base-URL option; its API domain reads this on every request.
        self._client.api.base_url = api_url
        self._status_callback = status_callback

    def send(self, channel: Channel, to: str, sender: str, body: str) -> SendResult:
        """One attempt to send ``body`` to ``to`` from our number ``sender``."""
        prefix = WHATSAPP_PREFIX if channel is Channel.WHATSAPP else ""
        options = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(
                to=prefix + to, from_=prefix + sender, body=body, **options
            )
        except TwilioRestException as error:
            code = str(error.code or error.status)
            if error.status == 429:
                return SendResult(SendOutcome.RETRY, error=code)
            if error.status >= 500:
                return SendResult(SendOutcome.UNKNOWN, error=code)
            return SendResult(SendOutcome.FAILED, error=code)
        except requests.ConnectionError as error:
            if _nothing_was_sent(error):
                return SendResult(SendOutcome.RETRY, error="connection refused")
            return SendResult(SendOutcome.UNKNOWN, error="connection lost")
        except requests.RequestException as error:  # a read timeout above all
            return SendResult(SendOutcome.UNKNOWN, error=type(error).__name__)
        return SendResult(SendOutcome.SENT, provider_id=message.sid)
