"""python-telegram-bot inside ``antirelous serve``: one pipeline for webhook and polling.

In webhook mode (a public URL is set) Telegram posts updates to ``/webhooks/telegram`` and an
inline reply rides in the answer as one Bot API call. In polling mode (no public URL: one
process only) the library's updater long-polls and the same pipeline's call is made through
the bot. Either way the Application's bot, behind its rate limiter, sends the outbox's
Telegram replies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bots.settings import Settings
from channels.telegram import (
    ALLOWED_UPDATES,
    Ignored,
    LeaveChat,
    parse_update,
    send_message_call,
)
from channels.telegram_sender import TelegramSender, send_reply
from replies.ports import Clock
from replies.types import Decision, Inbound

log = logging.getLogger("antirelous.telegram")

Decide = Callable[[Inbound], Awaitable[Decision]]
#: An update in, the one Bot API call that answers it (or ``None``) out.
OnUpdate = Callable[[Any], Awaitable[dict[str, Any] | None]]


def update_pipeline(decide: Decide, clock: Clock) -> OnUpdate:
    """Parse, decide, and say which Bot API call (if any) answers the update."""

    async def on_update(data: Any) -> dict[str, Any] | None:
        event = parse_update(data, clock())
        if isinstance(event, LeaveChat):
            log.info("added to a group or channel: leaving it")
            return {"method": "leaveChat", "chat_id": event.chat_id}
        if isinstance(event, Ignored):
            if event.reason.startswith("business connection"):
                log.info("telegram: %s", event.reason)
            return None
        decision = await decide(event.inbound)
        if decision.reply is None:
            return None
        return send_message_call(event.chat_id, event.business_connection_id, decision.reply)

    return on_update


async def make_call(bot: Bot, call: dict[str, Any]) -> None:
    """Make, through ``bot``, a call that a webhook answer would have carried."""
    if call["method"] == "leaveChat":
        await bot.leave_chat(call["chat_id"])
    elif call["method"] == "sendMessage":
        await send_reply(bot, call["chat_id"], call.get("business_connection_id"), call["text"])


class TelegramRuntime:
    """The Application: started and stopped with the app, polling when there is no URL."""

    def __init__(self, settings: Settings) -> None:
        token = settings.telegram_bot_token
        if token is None:
            raise ValueError("TelegramRuntime needs TELEGRAM_BOT_TOKEN")
        self.polling = settings.telegram_polling
        builder = (
            ApplicationBuilder()
            .token(token.get_secret_value())
            .base_url(settings.telegram_api_url)
            .rate_limiter(AIORateLimiter(max_retries=0))  # the outbox retries, at retry_after
        )
        if not self.polling:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.sender = TelegramSender(self.application.bot)
        self._on_update: OnUpdate | None = None

    async def start(self, on_update: OnUpdate) -> None:
        """Initialise the bot (``getMe``), and in polling mode start long-polling."""
        self._on_update = on_update
        await self.application.initialize()
        await self.application.start()
        self.sender.bind(asyncio.get_running_loop())
        if self.polling and self.application.updater is not None:
            self.application.add_handler(TypeHandler(Update, self._polled))
            await self.application.updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))

    async def _polled(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._on_update is None:
            return
        call = await self._on_update(update.to_dict())
        if call is not None:
            await make_call(self.application.bot, call)

    async def stop(self) -> None:
        self.sender.bind(None)
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
