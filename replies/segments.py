"""How many SMS segments a text costs.

Operators pay per segment, so the reply template must fit in one. A single character outside
the GSM-7 alphabet (ê, a curly apostrophe, an emoji) switches the whole message to UCS-2 and
more than halves what fits: that is the trap this module exists to catch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# GSM 03.38 basic character set (the escape code 0x1B excluded: it is not text).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each of these is sent as escape + character, so it counts twice.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Encoding(StrEnum):
    """The encoding a phone network will use for the whole message."""

    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class SegmentCount:
    """The encoding, the size in its units (septets or UTF-16 units) and the segments billed."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` exists in the GSM-7 alphabet or its extension."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_widths(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(widths: list[int], part_size: int) -> int:
    """Greedy split that never cuts an escape sequence or a surrogate pair in two."""
    parts, used = 1, 0
    for width in widths:
        if used + width > part_size:
            parts, used = parts + 1, 0
        used += width
    return parts


def count_segments(text: str) -> SegmentCount:
    """Count the segments ``text`` is billed as. An empty text is one (empty) segment."""
    encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    single, part = (
        (GSM7_SINGLE, GSM7_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    )
    widths = _unit_widths(text, encoding)
    units = sum(widths)
    segments = 1 if units <= single else _parts(widths, part)
    return SegmentCount(encoding=encoding, units=units, segments=segments)
