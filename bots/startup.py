"""What ``antirelous serve`` says and starts when it comes up.

Each platform says whether it is live and, if not, which setting it lacks. A platform that
cannot be reached at start (Telegram's Bot API, Slack's Socket Mode) is logged, not fatal: the
rest of the service runs without it.
"""

from __future__ import annotations

import logging

import anyio
from slack_sdk.errors import SlackClientError
from sqlalchemy import Engine
from telegram.error import TelegramError

from bots.responder_wiring import MESSAGING_CHANNELS
from bots.settings import ConfigurationError, Settings
from bots.slack_socket import SlackSocketMode
from bots.telegram_bot import OnUpdate, TelegramRuntime
from replies.types import Channel
from storage.singleton import SingletonLock

log = logging.getLogger("antirelous")


def log_channels(settings: Settings, dev: bool) -> None:
    delay = settings.reply_delay_range
    if delay is None:
        log.info("replies ride inline, in the webhook's answer")
    elif missing_account := settings.twilio_sending_missing():
        log.warning("outbox: delayed replies are logged, not sent: set %s", missing_account)
    else:
        log.info("outbox: replies go out %s to %s after each message", delay.low, delay.high)
    if not settings.telegram_polling:  # polling says so once it has started
        if missing_telegram := settings.telegram_webhook_missing():
            log.warning("telegram: not live, set %s", missing_telegram)
        else:
            log.info("telegram: live at %s/webhooks/telegram", settings.public_url)
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        log.warning("slack: commands not live, set SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)")
    if settings.slack_bot_token is None or settings.slack_alert_channel is None:
        log.warning("slack: alerts go to the log, set SLACK_BOT_TOKEN and SLACK_ALERT_CHANNEL")
    missing = settings.twilio_missing()
    for channel in (*MESSAGING_CHANNELS, Channel.VOICE):
        if dev:
            log.warning("%s: live in dev mode, unsigned requests accepted", channel)
        elif missing:
            log.warning("%s: not live, set %s", channel, missing)
        else:
            log.info("%s: live at %s/webhooks/twilio/%s", channel, settings.public_url, channel)
    if not missing or dev:
        log.info("voice: calls are answered in %s mode", settings.voice_mode)


def claim_telegram_polling(engine: Engine) -> SingletonLock:
    """The right to long-poll the bot, held by one replica only; refuses the start otherwise.

    Two pollers would steal each other's updates: with several replicas, Telegram must call a
    webhook, which any replica can answer.
    """
    lock = SingletonLock(engine, "antirelous telegram polling")
    if not lock.acquire():
        engine.dispose()
        raise ConfigurationError(
            "telegram: another replica is polling this bot already; with several replicas "
            "set ANTIRELOUS_PUBLIC_URL and TELEGRAM_WEBHOOK_SECRET so that Telegram calls the "
            "webhook, then run `antirelous telegram setup`"
        )
    return lock


async def start_telegram(telegram: TelegramRuntime, on_update: OnUpdate) -> None:
    """Start the bot; if the Bot API cannot be reached, go on without it (webhook answers still
    carry inline replies, and the outbox retries its sends until the bot is up)."""
    try:
        await telegram.start(on_update)
    except TelegramError as error:
        log.error("telegram: cannot reach the Bot API (%s); replies through it will wait", error)
        return
    if telegram.polling:
        log.warning("telegram: polling (no ANTIRELOUS_PUBLIC_URL): run one process only")


async def start_socket_mode(socket_mode: SlackSocketMode) -> None:
    """Connect to Slack; if it cannot be reached, go on (the HTTP routes still work)."""
    try:
        await anyio.to_thread.run_sync(socket_mode.start)
    except (SlackClientError, OSError) as error:
        log.error("slack: Socket Mode could not connect (%s)", error)
