"""Sending a scenario's events as Twilio would: signed SMS webhooks, paced on its timeline.

Each event goes out at ``offset / speed`` seconds from the start, whatever the server does
(an open loop: a slow server makes the run fall behind, and the report says by how much,
rather than silently slowing the attack down). At most ``concurrency`` requests are in flight.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
from phonenumbers import region_code_for_country_code
from twilio.request_validator import RequestValidator

from bots.progress import ProgressBar
from bots.scenarios import Event
from replies.numbers import calling_code
from replies.segments import count_segments

SMS_PATH = "/webhooks/twilio/sms"
SIGNATURE_HEADER = "X-Twilio-Signature"
DEFAULT_ACCOUNT_SID = "AC" + "0" * 32
REQUEST_TIMEOUT_S = 30.0
_MESSAGE_ELEMENT = re.compile(rb"<Message[\s/>]")


@dataclass(frozen=True, slots=True)
class Target:
    """Where the webhooks go and how they are signed."""

    base_url: str  # what the requests are sent to
    public_url: str  # what the signature covers (the server checks it against its own)
    auth_token: str | None  # None: unsigned, which only `serve --dev` accepts
    receiver: str  # the `To` number
    account_sid: str = DEFAULT_ACCOUNT_SID


@dataclass
class ReplayResult:
    """What happened to each event, in the order of the timeline."""

    started_at: datetime
    statuses: Counter[str] = field(default_factory=Counter)
    replies: list[int] = field(default_factory=list)  # <Message> elements per event's answer
    elapsed_s: float = 0.0
    behind_s: float = 0.0  # how far after the last event's due time the run finished
    worst_lag_s: float = 0.0  # the longest any event waited past its due time


def _country(number: str) -> str:
    code = calling_code(number)
    return str(region_code_for_country_code(code)) if code else ""


def webhook_fields(event: Event, target: Target) -> dict[str, str]:
    """The form Twilio posts for an inbound SMS, with a fresh MessageSid."""
    sid = "SM" + secrets.token_hex(16)
    return {
        "ToCountry": _country(target.receiver),
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": event.body,
        "FromCountry": _country(event.sender),
        "To": target.receiver,
        "NumSegments": str(count_segments(event.body).segments),
        "MessageSid": sid,
        "AccountSid": target.account_sid,
        "From": event.sender,
        "ApiVersion": "2010-04-01",
    }


def signed_request(event: Event, target: Target) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one webhook, signed for the public URL when a token is set."""
    fields = webhook_fields(event, target)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if target.auth_token is not None:
        url = target.public_url + SMS_PATH
        headers[SIGNATURE_HEADER] = RequestValidator(target.auth_token).compute_signature(
            url, fields
        )
    return urlencode(fields).encode(), headers


async def replay(
    events: Sequence[Event],
    target: Target,
    *,
    speed: float,
    concurrency: int,
    progress: ProgressBar | None = None,
) -> ReplayResult:
    """Send ``events`` on their timeline compressed ``speed`` times; return what came back.

    Every request is built and signed before the clock starts, so that the pacing measures
    the server, not the signing.
    """
    requests = [signed_request(event, target) for event in events]
    result = ReplayResult(started_at=datetime.now(UTC), replies=[0] * len(events))
    loop = asyncio.get_running_loop()
    start = loop.time()
    slots = asyncio.Semaphore(concurrency)
    done = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(
        base_url=target.base_url, limits=limits, timeout=REQUEST_TIMEOUT_S
    ) as client:

        async def send(index: int) -> None:
            nonlocal done
            try:
                body, headers = requests[index]
                response = await client.post(SMS_PATH, content=body, headers=headers)
                result.statuses[str(response.status_code)] += 1
                if response.status_code == 200:
                    result.replies[index] = len(_MESSAGE_ELEMENT.findall(response.content))
            except httpx.HTTPError as error:
                result.statuses[type(error).__name__] += 1
            finally:
                slots.release()
                done += 1
                if progress is not None:
                    progress.update(done, f"{result.worst_lag_s:.1f} s worst lag")

        tasks = []
        for index, event in enumerate(events):
            due = start + event.offset / speed
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            await slots.acquire()
            result.worst_lag_s = max(result.worst_lag_s, loop.time() - due)
            tasks.append(asyncio.create_task(send(index)))
        await asyncio.gather(*tasks)
    finished = loop.time()
    result.elapsed_s = finished - start
    if events:
        result.behind_s = max(0.0, finished - (start + events[-1].offset / speed))
    return result
