"""Calls: how they are answered, and how long the spoken message lasts.

A number given out in a bar gets called as often as it gets texted, often on the spot, to
check that it is real. In ``busy-then-sms`` mode (the default) the call hears a busy tone,
which costs nothing and is what a busy person's phone sounds like, and a first-time caller on
a mobile gets the consent message by SMS, later, like a text would. In ``say`` mode a first
call hears the message spoken, then the call ends: billed per started minute, so the message
must stay well under one.
"""

from __future__ import annotations

import re
from enum import StrEnum

#: Spoken French or English runs at about 150 words a minute; each sentence adds a pause.
WORDS_PER_SECOND = 2.5
SENTENCE_PAUSE_S = 0.4
#: The longest spoken message allowed (calls are billed per started minute).
MAX_SPOKEN_S = 20.0

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?]+")


class VoiceMode(StrEnum):
    """``ANTIRELOUS_VOICE_MODE``."""

    BUSY_THEN_SMS = "busy-then-sms"
    SAY = "say"


def spoken_seconds(text: str) -> float:
    """An estimate of how long ``<Say>`` takes to speak ``text``."""
    words = len(_WORD.findall(text))
    sentences = len(_SENTENCE_END.findall(text))
    return round(words / WORDS_PER_SECOND + sentences * SENTENCE_PAUSE_S, 1)
