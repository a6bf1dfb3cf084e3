"""``POST /webhooks/telegram``: the Bot API's webhook, checked by its secret token.

Telegram sends ``X-Telegram-Bot-Api-Secret-Token`` with the secret given to ``setWebhook``;
without it (or with another) the request is refused and nothing is stored. The answer may
carry one Bot API call: the inline reply, or ``leaveChat`` for a group.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bots.loopback import refuse_proxied_in_dev
from bots.telegram_bot import OnUpdate
from channels.errors import ForgedRequest, MalformedRequest, NotConfigured
from channels.telegram import SECRET_HEADER

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class TelegramWebhookContext:
    """What the route needs, wired once by ``create_app``."""

    on_update: OnUpdate | None  # None: no bot token
    secret: bytes | None
    missing_setting: str | None
    dev: bool


def telegram_endpoint(ctx: TelegramWebhookContext) -> Endpoint:
    """The webhook endpoint."""

    async def telegram_webhook(request: Request) -> Response:
        if ctx.dev:
            refuse_proxied_in_dev(request)
        elif ctx.secret is None or ctx.on_update is None:
            raise NotConfigured("Telegram", ctx.missing_setting or "TELEGRAM_BOT_TOKEN")
        else:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, ctx.secret):
                raise ForgedRequest(f"missing or wrong {SECRET_HEADER}")
        if ctx.on_update is None:
            raise NotConfigured("Telegram", "TELEGRAM_BOT_TOKEN")
        try:
            data = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedRequest("the body is not JSON") from error
        call = await ctx.on_update(data)
        return JSONResponse(call) if call is not None else Response(status_code=200)

    return telegram_webhook
