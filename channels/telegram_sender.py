"""Sending Telegram replies (and the bot's other calls) through python-telegram-bot.

The bot lives on the event loop of ``antirelous serve``, behind the library's rate limiter
(about 1 message/s per chat, 30/s overall). The outbox runs on a thread of its own, so it
hands each send to that loop and waits for it. A 429's ``retry_after`` comes back as a retry
at that time; a timeout is ``unknown`` (it may have gone); a refusal (the person blocked the
bot, a bad request) is ``failed``.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from channels.sending import SendOutcome, SendResult
from channels.telegram import parse_reply_address
from replies.types import Channel

SEND_TIMEOUT_S = 30.0

# The rate limiter logs a traceback for every 429 it passes on; the outbox handles those.
logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def _retry_after_s(error: RetryAfter) -> float:
    # PTB 22 warns that ``retry_after`` will become a timedelta; either form is read here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_reply(bot: Bot, chat_id: int, business_connection_id: str | None, text: str) -> Any:
    """One ``sendMessage`` with the reply's HTML, through a business connection if any."""
    return await bot.send_message(
        chat_id=chat_id,
        text=text,
        parse_mode=ParseMode.HTML,
        business_connection_id=business_connection_id,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


class TelegramSender:
    """``ReplySender`` for Telegram, usable from any thread once bound to the bot's loop."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Attach to the loop the bot was initialised on (``None``: the bot stopped)."""
        self._loop = loop

    def send(self, channel: Channel, to: str, sender: str, body: str) -> SendResult:
        loop = self._loop
        if loop is None or loop.is_closed():
            return SendResult(SendOutcome.RETRY, error="bot not running")
        chat_id, connection = parse_reply_address(to)
        attempt = asyncio.run_coroutine_threadsafe(self._send(chat_id, connection, body), loop)
        try:
            return attempt.result(timeout=SEND_TIMEOUT_S)
        except TimeoutError:
            attempt.cancel()
            return SendResult(SendOutcome.UNKNOWN, error="timeout")

    async def _send(self, chat_id: int, connection: str | None, body: str) -> SendResult:
        try:
            message = await send_reply(self._bot, chat_id, connection, body)
        except RetryAfter as error:
            return SendResult(SendOutcome.RETRY, error="429", retry_after_s=_retry_after_s(error))
        except TimedOut:
            return SendResult(SendOutcome.UNKNOWN, error="timeout")
        except (Forbidden, BadRequest) as error:
            return SendResult(SendOutcome.FAILED, error=type(error).__name__)
        except NetworkError as error:
            if isinstance(error.__cause__, httpx.ConnectError):
                return SendResult(SendOutcome.RETRY, error="connection refused")
            return SendResult(SendOutcome.UNKNOWN, error="connection lost")
        except TelegramError as error:
            return SendResult(SendOutcome.UNKNOWN, error=type(error).__name__)
        return SendResult(SendOutcome.SENT, provider_id=str(message.message_id))
