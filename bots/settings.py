"""Settings from the environment and ``.env``, validated once and passed to whoever needs them.

Nothing reads the environment anywhere else: tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from replies.abuse.flooding import FloodLimit, parse_flood_limit
from replies.delays import DelayRange, parse_delay
from replies.durations import parse_duration
from replies.evidence import EvidenceKeyError, EvidenceSealer
from replies.numbers import parse_calling_codes
from replies.responder_config import Pricing


class ConfigurationError(Exception):
    """The settings do not allow the service to start; the message says which one to fix."""


def _alias(env: str, name: str) -> AliasChoices:
    return AliasChoices(env, name)


def micro_eur(amount: Decimal) -> int:
    """Euros as integer micro-euros."""
    return int((amount * 1_000_000).to_integral_value())


class Settings(BaseSettings):
    """Every setting of the service. Environment names are in the README's table."""

    model_config = SettingsConfigDict(
        env_prefix="ANTIRELOUS_",
        env_file=".env",
        env_ignore_empty=True,  # `TELEGRAM_BOT_TOKEN=` in a .env means not set, not ""
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    database_url: str = "sqlite:///./antirelous.db"
    public_url: str | None = None
    secret_key: SecretStr | None = None
    reply_delay: str = "20m-60m"
    reply_window_days: int = Field(30, ge=1, le=3650)
    locale: str = "fr"
    templates_dir: Path | None = None
    info_url: str | None = None
    daily_budget_eur: Decimal = Field(Decimal("20"), ge=0)
    sms_segment_eur: Decimal = Field(Decimal("0.16"), ge=0)
    whatsapp_reply_eur: Decimal = Field(Decimal("0.03"), ge=0)
    sms_inbound_eur: Decimal = Field(Decimal("0.0"), ge=0)
    reply_countries: str | None = None
    db_pool_size: int = Field(10, ge=1, le=200)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    metrics_token: SecretStr | None = None
    docs: bool = False
    auto_pause: bool = True
    auto_pause_cooldown: str | None = None
    flood_block: str = "10/5m"
    flood_block_for: str = "24h"
    evidence_public_key: str | None = None
    voice_mode: Literal["busy-then-sms", "say"] = "busy-then-sms"
    voice_minute_eur: Decimal = Field(Decimal("0.10"), ge=0)
    voice_audio_url: str | None = None

    twilio_account_sid: str | None = Field(
        None, validation_alias=_alias("TWILIO_ACCOUNT_SID", "twilio_account_sid")
    )
    twilio_auth_token: SecretStr | None = Field(
        None, validation_alias=_alias("TWILIO_AUTH_TOKEN", "twilio_auth_token")
    )
    twilio_api_url: str = "https://api.twilio.com"
    telegram_bot_token: SecretStr | None = Field(
        None, validation_alias=_alias("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_alias("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret")
    )
    telegram_api_url: str = "https://api.telegram.org/bot"
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=_alias("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_alert_channel: str | None = Field(
        None, validation_alias=_alias("SLACK_ALERT_CHANNEL", "slack_alert_channel")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=_alias("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_alias("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_admin_users: str = Field(
        "", validation_alias=_alias("SLACK_ADMIN_USERS", "slack_admin_users")
    )

    @field_validator("public_url", "info_url", "voice_audio_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// behind a local proxy)")
        return value.rstrip("/")

    @field_validator("reply_delay")
    @classmethod
    def _delay(cls, value: str) -> str:
        parse_delay(value)  # fail at start-up, with the reason
        return value.strip()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1 to 256 characters of A-Z, a-z, 0-9, _ and -.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("twilio_api_url", "telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        # slack-sdk joins method names onto it: it must end in /api/.
        if not value.startswith(("https://", "http://")) or not value.endswith("/api/"):
            raise ValueError("must be an http(s) URL ending in /api/")
        return value

    @field_validator("auto_pause_cooldown")
    @classmethod
    def _cooldown(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() in {"", "0", "off", "none"}:
            return None
        parse_duration(value)  # fail at start-up, with the reason
        return value.strip()

    @field_validator("flood_block_for")
    @classmethod
    def _block_for(cls, value: str) -> str:
        parse_duration(value)
        return value.strip()

    @field_validator("flood_block")
    @classmethod
    def _flood_block(cls, value: str) -> str:
        parse_flood_limit(value, timedelta(hours=1))
        return value.strip()

    @field_validator("evidence_public_key")
    @classmethod
    def _evidence_key(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        try:
            EvidenceSealer(value)
        except EvidenceKeyError as error:
            raise ValueError(f"{error} (make one with `antirelous evidence-key`)") from error
        return value.strip()

    @field_validator("reply_countries")
    @classmethod
    def _calling_codes(cls, value: str | None) -> str | None:
        if value:
            parse_calling_codes(value)  # fail at start-up, not on the first message
        return value or None

    @field_validator("sqlite_synchronous", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def reply_delay_range(self) -> DelayRange | None:
        """``None`` when replies ride inline."""
        return parse_delay(self.reply_delay)

    @property
    def reply_window(self) -> timedelta:
        return timedelta(days=self.reply_window_days)

    @property
    def reply_calling_codes(self) -> frozenset[int] | None:
        """Calling codes that may be answered; ``None``: the receiving number's own country."""
        return parse_calling_codes(self.reply_countries) if self.reply_countries else None

    @property
    def flood_limit(self) -> FloodLimit | None:
        """When a sender is blocked automatically; ``None``: never."""
        return parse_flood_limit(self.flood_block, parse_duration(self.flood_block_for))

    @property
    def auto_pause_lasts(self) -> timedelta | None:
        """How long an automatic pause lasts; ``None``: until someone resumes."""
        return parse_duration(self.auto_pause_cooldown) if self.auto_pause_cooldown else None

    @property
    def pricing(self) -> Pricing:
        return Pricing(
            sms_segment_micro=micro_eur(self.sms_segment_eur),
            whatsapp_reply_micro=micro_eur(self.whatsapp_reply_eur),
            sms_inbound_micro=micro_eur(self.sms_inbound_eur),
            voice_minute_micro=micro_eur(self.voice_minute_eur),
        )

    @property
    def daily_budget_micro(self) -> int:
        return micro_eur(self.daily_budget_eur)

    def twilio_sending_missing(self) -> str | None:
        """The setting that keeps the outbox from sending through Twilio's API, if any."""
        if self.twilio_account_sid is None:
            return "TWILIO_ACCOUNT_SID"
        if self.twilio_auth_token is None:
            return "TWILIO_AUTH_TOKEN"
        return None

    @property
    def slack_admins(self) -> frozenset[str]:
        """Slack user ids that may change anything; empty means nobody."""
        return frozenset(user.strip() for user in self.slack_admin_users.split(",") if user.strip())

    @property
    def telegram_polling(self) -> bool:
        """Without a public URL Telegram cannot call us: the bot long-polls instead."""
        return self.telegram_bot_token is not None and self.public_url is None

    def telegram_webhook_missing(self) -> str | None:
        """The setting that keeps ``POST /webhooks/telegram`` from verifying requests, if any."""
        if self.telegram_bot_token is None:
            return "TELEGRAM_BOT_TOKEN"
        if self.telegram_webhook_secret is None:
            return "TELEGRAM_WEBHOOK_SECRET"
        return None

    def twilio_missing(self) -> str | None:
        """The setting that keeps the Twilio webhooks from verifying requests, if any."""
        if self.twilio_auth_token is None:
            return "TWILIO_AUTH_TOKEN"
        if self.public_url is None:
            return "ANTIRELOUS_PUBLIC_URL"
        return None
