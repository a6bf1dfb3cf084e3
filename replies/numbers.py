"""Phone-number facts the policy needs, from the numbering plan alone (no paid lookup)."""

from __future__ import annotations

import re

from phonenumbers import (
    COUNTRY_CODE_TO_REGION_CODE,
    NumberParseException,
    PhoneNumberType,
    number_type,
    parse,
)

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_NUMBER_NOISE = re.compile(r"[\s().-]")


def calling_code(address: str) -> int | None:
    """The country calling code of an E.164 number, or ``None`` when it is not one.

    Withheld numbers, alphanumeric sender ids and short codes all give ``None``: nobody can
    answer them, so they are stored and never replied to. Calling codes are prefix-free, so
    the first known prefix of one to three digits is the code.
    """
    if not _E164.fullmatch(address):
        return None
    for length in (1, 2, 3):
        code = int(address[1 : 1 + length])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code
    return None


def parse_calling_codes(value: str) -> frozenset[int]:
    """Parse ``"33, +32,41"`` into ``{33, 32, 41}``; raises ``ValueError`` on an unknown code."""
    codes: set[int] = set()
    for item in value.split(","):
        item = item.strip().removeprefix("+")
        if not item:
            continue
        if not item.isdigit() or int(item) not in COUNTRY_CODE_TO_REGION_CODE:
            raise ValueError(f"{item!r} is not a country calling code")
        codes.add(int(item))
    return frozenset(codes)


def typed_number(text: str) -> str | None:
    """A number as a person types it (``+33 6 12 34 56 78``, ``0033…``) in E.164, or ``None``."""
    number = _NUMBER_NOISE.sub("", text)
    if number.startswith("00"):
        number = "+" + number[2:]
    return number if _E164.fullmatch(number) else None


#: Number types an SMS can reach. North American numbers do not tell mobile from fixed line.
_TEXTABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def is_mobile(address: str) -> bool:
    """Whether the numbering plan says ``address`` is (or may be) a mobile: only those can
    receive the SMS that follows a call. No paid lookup: unknown ranges count as not mobile."""
    if calling_code(address) is None:
        return False
    try:
        return number_type(parse(address)) in _TEXTABLE
    except NumberParseException:
        return False
