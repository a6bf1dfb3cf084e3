"""Twilio's webhooks: Messaging for SMS and WhatsApp, and the status callback of our replies.

The hot path: no dependency injection, no ORM, nothing built per request. Failures are raised
as ``MalformedRequest``, ``ForgedRequest``, ``NotConfigured`` or ``StoreUnavailable`` and
answered by the app's exception handlers (400, 403, 503, 503).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from time import perf_counter

from starlette.requests import Request
from starlette.responses import Response
from twilio.request_validator import RequestValidator

from bots.loopback import refuse_proxied_in_dev
from bots.metrics import Metrics
from channels.errors import NotConfigured
from channels.forms import parse_form
from channels.twilio_messaging import (
    SIGNATURE_HEADER,
    DeliveryReport,
    parse_inbound,
    parse_status,
    twiml,
    verify,
)
from channels.twilio_voice import parse_call, voice_twiml
from replies.ports import Clock
from replies.types import Channel, Decision, Inbound

log = logging.getLogger("antirelous.webhooks")

Decide = Callable[[Inbound], Awaitable[Decision]]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class TwilioSignatureCheck:
    """Checks ``X-Twilio-Signature`` against the URL Twilio was given for this route."""

    validator: RequestValidator
    public_url: str

    def __call__(self, request: Request, fields: dict[str, str]) -> None:
        url = signed_url(self.public_url, request)
        verify(self.validator, url, fields, request.headers.get(SIGNATURE_HEADER))


@dataclass(frozen=True, slots=True)
class TwilioWebhookContext:
    """What the Twilio routes need, wired once by ``create_app``."""

    decide: Decide
    clock: Clock
    metrics: Metrics
    dev: bool
    check_signature: TwilioSignatureCheck | None  # None in dev mode or when unconfigured
    missing_setting: str | None


def signed_url(public_url: str, request: Request) -> str:
    """The URL Twilio signed: the configured public URL, this path and this query."""
    query = request.url.query
    return f"{public_url}{request.url.path}{'?' + query if query else ''}"


async def verified_form(ctx: TwilioWebhookContext, request: Request) -> dict[str, str]:
    """The fields of a request Twilio signed; raises what the app answers 403, 400 or 503."""
    if ctx.dev:
        refuse_proxied_in_dev(request)
    elif ctx.check_signature is None:
        raise NotConfigured("Twilio", ctx.missing_setting or "TWILIO_AUTH_TOKEN")
    fields = parse_form(await request.body(), request.headers.get("content-type"))
    if ctx.check_signature is not None:
        ctx.check_signature(request, fields)
    return fields


def messaging_endpoint(channel: Channel, ctx: TwilioWebhookContext) -> Endpoint:
    """The endpoint of one Messaging channel."""

    async def twilio_messaging_webhook(request: Request) -> Response:
        started = perf_counter()
        fields = await verified_form(ctx, request)
        decision = await ctx.decide(parse_inbound(channel, fields, ctx.clock()))
        if decision.duplicate:
            ctx.metrics.redeliveries.labels(channel.value).inc()
        else:
            ctx.metrics.inbound.labels(channel.value, decision.outcome.value).inc()
        ctx.metrics.latency.labels(channel.value).observe(perf_counter() - started)
        return Response(twiml(decision), media_type="text/xml")

    return twilio_messaging_webhook


def voice_endpoint(ctx: TwilioWebhookContext, locale: str, audio_url: str | None) -> Endpoint:
    """``POST /webhooks/twilio/voice``: a call, answered busy or with the spoken message."""

    async def twilio_voice_webhook(request: Request) -> Response:
        started = perf_counter()
        fields = await verified_form(ctx, request)
        decision = await ctx.decide(parse_call(fields, ctx.clock()))
        if decision.duplicate:
            ctx.metrics.redeliveries.labels(Channel.VOICE.value).inc()
        else:
            ctx.metrics.inbound.labels(Channel.VOICE.value, decision.outcome.value).inc()
        ctx.metrics.latency.labels(Channel.VOICE.value).observe(perf_counter() - started)
        return Response(voice_twiml(decision, locale, audio_url), media_type="text/xml")

    return twilio_voice_webhook


RecordDelivery = Callable[[DeliveryReport], Awaitable[bool]]


def status_endpoint(ctx: TwilioWebhookContext, record: RecordDelivery) -> Endpoint:
    """``POST /webhooks/twilio/status``: Twilio's status callback for the replies we send."""

    async def twilio_status_callback(request: Request) -> Response:
        report = parse_status(await verified_form(ctx, request))
        if not await record(report):
            log.info("status callback for an unknown message %s", report.provider_id)
        return Response(status_code=204)

    return twilio_status_callback
