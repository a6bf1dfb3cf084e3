"""``POST /slack/commands`` and ``POST /slack/interactions``: the Slack app over HTTP.

A command is answered in the HTTP response (well within Slack's three seconds). A button
click is acknowledged at once; its answer goes to the click's ``response_url`` afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bots.slack_commands import SlackAnswer, SlackCommands
from channels.errors import NotConfigured
from channels.forms import parse_form
from channels.slack import SIGNATURE_HEADER, TIMESTAMP_HEADER, interaction_payload, verify

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class SlackContext:
    """What the routes need, wired once by ``create_app``."""

    commands: SlackCommands
    verifier: SignatureVerifier | None  # None: SLACK_SIGNING_SECRET is not set


async def _verified_form(ctx: SlackContext, request: Request) -> dict[str, str]:
    if ctx.verifier is None:
        raise NotConfigured("Slack", "SLACK_SIGNING_SECRET")
    body = await request.body()
    verify(
        ctx.verifier,
        body,
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
    )
    return parse_form(body, request.headers.get("content-type"))


def post_to_response_url(url: str, answer: SlackAnswer) -> None:
    """Answer a click (or a slow command) through the ``response_url`` Slack gave with it."""
    WebhookClient(url, timeout=10).send_dict(answer.as_response() | {"replace_original": False})


def slack_endpoints(ctx: SlackContext) -> tuple[Endpoint, Endpoint]:
    """The commands endpoint and the interactions endpoint."""

    async def slack_commands(request: Request) -> Response:
        fields = await _verified_form(ctx, request)
        answer = await anyio.to_thread.run_sync(
            ctx.commands.run,
            fields.get("command", ""),
            fields.get("text", ""),
            fields.get("user_id", ""),
        )
        return JSONResponse(answer.as_response())

    async def slack_interactions(request: Request) -> Response:
        payload = interaction_payload(await _verified_form(ctx, request))
        answer = await anyio.to_thread.run_sync(ctx.commands.run_interaction, payload)
        url = payload.get("response_url")
        # A sync task: Starlette runs it on a thread, after the click was acknowledged.
        task = BackgroundTask(post_to_response_url, str(url), answer) if url and answer else None
        return Response(status_code=200, background=task)

    return slack_commands, slack_interactions
