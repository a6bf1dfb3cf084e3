"""What the responder's decisions depend on: prices and settings, as plain values.

Built once from the settings by the composition root; nothing here reads the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from replies.abuse.flooding import FloodLimit
from replies.delays import DelayRange
from replies.types import Channel
from replies.voice import VoiceMode


@dataclass(frozen=True, slots=True)
class Pricing:
    """Estimated prices in micro-euros (integers, so that sums never drift)."""

    sms_segment_micro: int
    whatsapp_reply_micro: int
    sms_inbound_micro: int
    voice_minute_micro: int = 0  # a spoken reply lasts under a minute: one minute is billed

    def reply_cost(self, channel: Channel, segments: int) -> int:
        if channel is Channel.SMS:
            return segments * self.sms_segment_micro
        if channel is Channel.WHATSAPP:
            return self.whatsapp_reply_micro
        if channel is Channel.VOICE:
            return self.voice_minute_micro
        return 0

    def inbound_cost(self, channel: Channel, segments: int) -> int:
        return segments * self.sms_inbound_micro if channel is Channel.SMS else 0


@dataclass(frozen=True, slots=True)
class ResponderConfig:
    """The settings the decision depends on."""

    locale: str
    reply_window: timedelta
    reply_countries: frozenset[int] | None
    daily_budget_micro: int
    pricing: Pricing
    reply_delay: DelayRange | None = None  # None: the reply rides in the webhook's answer
    flood_limit: FloodLimit | None = None  # None: no sender is ever blocked automatically
    voice_mode: VoiceMode = VoiceMode.BUSY_THEN_SMS
