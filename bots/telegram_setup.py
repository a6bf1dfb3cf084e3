"""``antirelous telegram setup``: register the webhook and the bot's descriptions.

The description is what Telegram shows in an empty chat before anyone presses Start: the
consent message reaches whoever opens the chat, for free, and no flood can touch it.
"""

from __future__ import annotations

from telegram import Bot

from bots.settings import ConfigurationError, Settings
from channels.telegram import ALLOWED_UPDATES
from replies.templates import LOCALES, ReplyTemplates

WEBHOOK_PATH = "/webhooks/telegram"
#: Telegram's limits for the two texts.
DESCRIPTION_MAX, SHORT_DESCRIPTION_MAX = 512, 120


async def setup_telegram(settings: Settings) -> list[str]:
    """Do the setup; returns one line per thing done."""
    token = settings.telegram_bot_token
    if token is None:
        raise ConfigurationError("set TELEGRAM_BOT_TOKEN (from BotFather) first")
    secret = settings.telegram_webhook_secret
    if settings.public_url and secret is None:
        raise ConfigurationError("set TELEGRAM_WEBHOOK_SECRET: it authenticates the webhook")
    templates = ReplyTemplates(settings.templates_dir, settings.info_url)
    done = []
    async with Bot(token.get_secret_value(), base_url=settings.telegram_api_url) as bot:
        if settings.public_url and secret is not None:
            url = settings.public_url + WEBHOOK_PATH
            await bot.set_webhook(
                url, secret_token=secret.get_secret_value(), allowed_updates=list(ALLOWED_UPDATES)
            )
            done.append(f"webhook set to {url} for {', '.join(ALLOWED_UPDATES)}")
        else:
            await bot.delete_webhook()
            done.append("no public URL: webhook removed, `antirelous serve` will long-poll")
        for locale in (None, *LOCALES):
            source = locale or settings.locale
            description = templates.render(source, "telegram_description")
            short = templates.render(source, "telegram_short_description")
            if len(description) > DESCRIPTION_MAX or len(short) > SHORT_DESCRIPTION_MAX:
                raise ConfigurationError(
                    f"{source}/telegram_*description.j2 is longer than Telegram allows "
                    f"({DESCRIPTION_MAX} and {SHORT_DESCRIPTION_MAX} characters)"
                )
            await bot.set_my_description(description, language_code=locale)
            await bot.set_my_short_description(short, language_code=locale)
            done.append(f"description and short description set ({locale or 'default'})")
    return done
