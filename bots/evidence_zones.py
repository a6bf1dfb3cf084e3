"""Times as a complaint needs them: the period asked for, and the local time of a message.

The local time that matters is the one where the number was received (a complaint is filed
there), so it comes from the receiving number's country and region; a Telegram bot or a
number whose region spans several zones falls back to the operator's choice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones

from replies.durations import parse_duration

RECEIVING_NUMBER = "receiving number"
FALLBACK = "--timezone"


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` saying what is expected otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"{name!r} is not a time zone like Europe/Paris") from error


@lru_cache(maxsize=256)
def _zone_of_number(receiver: str) -> ZoneInfo | None:
    try:
        number = phonenumbers.parse(receiver)
    except phonenumbers.NumberParseException:
        return None
    zones = [z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    if len(zones) != 1:
        return None  # unknown, or a region over several zones: not ours to guess
    try:
        return ZoneInfo(zones[0])
    except ZoneInfoNotFoundError:
        return None


def local_zone(receiver: str | None, fallback: ZoneInfo) -> tuple[ZoneInfo, str]:
    """The zone of the receiving number, or ``fallback``; and which of the two it is."""
    if receiver and receiver.startswith("+"):
        zone = _zone_of_number(receiver)
        if zone is not None:
            return zone, RECEIVING_NUMBER
    return fallback, FALLBACK


def parse_since(text: str, now: datetime) -> datetime:
    """``WHEN`` as typed: an ISO date or time (UTC unless it says otherwise), or a duration
    back from ``now`` like ``24h`` or ``7d``; ``ValueError`` saying what is expected otherwise.
    """
    try:
        return now - parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time like 2026-11-28, 2026-11-28T21:30 or a duration like 24h, 7d"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
