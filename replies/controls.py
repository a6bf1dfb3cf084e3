"""The words operators type to pause and resume, from the CLI or Slack alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from replies.durations import parse_duration
from replies.types import Channel


def parse_channels(name: str) -> list[Channel]:
    """``sms``, ``whatsapp``, ``telegram`` or ``all``; ``ValueError`` saying which exist."""
    if name == "all":
        return list(Channel)
    try:
        return [Channel(name)]
    except ValueError:
        names = ", ".join(c.value for c in Channel)
        raise ValueError(f"unknown channel {name!r}: use {names}, or all") from None


def parse_pause(words: Sequence[str]) -> tuple[list[Channel], timedelta | None]:
    """``[CHANNEL|all] [DURATION]``; a lone duration (``2h``) pauses every channel."""
    words = list(words)
    if len(words) == 1 and words[0][:1].isdigit():
        words = ["all", words[0]]
    if len(words) > 2:
        raise ValueError("pause takes a channel and a duration, e.g. sms 2h")
    channels = parse_channels(words[0] if words else "all")
    return channels, parse_duration(words[1]) if len(words) == 2 else None
