"""Turn what a flooder types into the plain words the lists are written in.

Flooders write ``c0nn@rd``, ``p u t e``, ``saaaloppe``, ``c.o.n.n.a.r.d`` or ``sal*pe`` so that
exact word filters miss them. Every message and every list entry goes through the same folding
(case, accents, doubled letters, apostrophes), so the lists stay readable. The evasions that only
a message uses (leetspeak, spaced-out letters, symbols inside words, masked letters) give extra
readings of the message; the classifier counts a match in any of them. An ordinary message has
one reading, which keeps the hot path short.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Iterable

# Typographic apostrophes, currency and ligatures that NFKD leaves alone, and the Cyrillic
# letters that look Latin (a common way round filters). The emoji that carry a threat (a knife,
# a gun, a coffin, a drop of blood, a grinning devil, watching eyes, a skull) become words of
# their own (``emknife``) that the lists can aim: they are otherwise dropped with every other
# symbol. Those that menace only beside other words (fire and a house, a rope, a hammer, an
# ambulance, acid, a camera) become words too: 🔥 alone is a compliment, 🔥🏠 is arson. Tears
# of laughter read "lol", which makes "je vais te tuer 😂" banter (games.txt).
_CHARACTERS = str.maketrans(
    {
        "🔪": " emknife ",
        "🗡": " emknife ",
        "🪓": " emknife ",
        "🔫": " emgun ",
        "💣": " emgun ",
        "⚰": " emcoffin ",
        "🪦": " emcoffin ",
        "🩸": " emblood ",
        "😈": " emdevil ",
        "👿": " emdevil ",
        "👀": " emeyes ",
        "💀": " emskull ",
        "🤡": " emclown ",
        "😂": " lol ",
        "🤣": " lol ",
        "☠": " emskull ",
        "🔥": " emfire ",
        "🧨": " emfire ",
        "🏠": " emhouse ",
        "🏡": " emhouse ",
        "🪢": " emrope ",
        "🔨": " emhammer ",
        "🚑": " emambulance ",
        "🏥": " emambulance ",
        "🧪": " emacid ",
        "📸": " emcamera ",
        "📷": " emcamera ",
        "📹": " emcamera ",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "´": "'",
        "€": "e",
        "£": "l",
        "¢": "c",
        "ß": "ss",
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "i",
        "ѕ": "s",
        "к": "k",
        "м": "m",
        "т": "t",
    }
)
_TRANSLATED = re.compile("[" + re.escape("".join(map(chr, _CHARACTERS))) + "]")
# A character that only clock times, SMS digits, leetspeak or masks use.
_SYMBOLS = re.compile(r"[0-9@$!|+*#%]")
_LEET_I = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_LEET_I.update(str.maketrans({"|": "i", "+": "t"}))
# ``1`` and ``|`` stand for ``i`` as often as for ``l`` (``1diot``, ``sa1ope``): both readings.
_LEET_L = dict(_LEET_I)
_LEET_L.update(str.maketrans({"1": "l", "|": "l"}))

_COMBINING = re.compile(r"[\u0300-\u036f]+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
# A letter next to a leet character: only then is a word read as leetspeak (``18h`` is rare
# enough to read as ``iah`` harmlessly; ``20$`` or ``06 12`` have no letter and stay digits).
_LEET_HINT = re.compile(r"[a-z][0-9@$!|+]|[0-9@$|+][a-z]")
_CHUNK = re.compile(r"\S+")
_EDGE = ".,;:?!\"'()[]{}<>«»…-"
_NON_LETTERS = re.compile(r"[^a-z]+")
_REPEATS = re.compile(r"([a-z])\1+")
# A run of one letter becomes that letter. A C callable: on Python 3.11 a template such as
# ``r"\1"`` is expanded in Python for every run, which costs a fifth of reading a message.
_ONE_LETTER = operator.itemgetter(1)
# A symbol or emoji between two letters of one word: ``c.o.n``, ``con😡nard``, ``p-u-t-e``.
_INSIDE_WORD = re.compile(r"(?<=[a-z])[^a-z\s']+(?=[a-z])")
# Three or more single letters in a row: ``p u t e``, ``f d p`` once punctuation is spaces.
_SPACED = re.compile(r"(?<![a-z])[a-z](?: [a-z](?![a-z])){2,}")
# A word with masked letters: ``sal*pe``, ``f**k``, ``p#te``.
_MASKED = re.compile(r"[a-z]*[*#%]+[a-z]+|[a-z]+[*#%]+[a-z]*")
_MASKS = re.compile(r"[*#%]+")
# A lone 2 or 4 between words is English SMS for "to" and "for" ("waiting 4 u", "come 2 ur
# house"); anywhere else a lone digit stays a number and drops out with the other non-letters.
_SMS_DIGITS = re.compile(r"(?<=[a-z] )[24](?= [a-z])")
_SMS_WORDS = {"2": "to", "4": "for"}
# A clock time ("16h30", "7:40", "8h", "6pm") reads as the word ``h``, not as leetspeak
# ("16h30" would read "iheo"): knowing her hours is what a stalking message says.
# A span of hours reads the same ("24h", "u got 24hrs", "1hr to reply"): a deadline is a clock too.
_CLOCK = re.compile(r"(?<![a-z0-9])\d{1,2}(?:[h:.]\d{2}|\s?(?:h|hrs?|hours?)|\s?[ap]m)(?![a-z0-9])")
# A lone 1 opening a leetspeak message is "I" ("1 kn0w wh3r3 u l1v3").
_LONE_ONE = re.compile(r"^\s*1(?= [a-z])")
# Spaced letters with wider gaps between words: "u r   d e a d", "t . e . s   m . o . r . t . e".
_WIDE_GAP = re.compile(r"\s{2,}")
_LETTERS = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Case, accents, apostrophes and doubled letters folded away: the form lists are kept in."""
    folded = _ascii(text.casefold())
    return _REPEATS.sub(_ONE_LETTER, _NON_LETTERS.sub(" ", folded)).strip()


def _ascii(text: str) -> str:
    """``text`` (case-folded) in ASCII: the characters of ``_CHARACTERS`` replaced, accents
    dropped, anything else non-ASCII a NUL (not a letter). Each step runs only when needed."""
    if _TRANSLATED.search(text):
        text = text.translate(_CHARACTERS)
    if not text.isascii():
        text = text.translate(_LATIN)
        if not text.isascii():
            text = _decomposed(text)
    return text


def _decomposed(text: str) -> str:
    """``text`` decomposed (NFKD), its accents dropped and anything else non-ASCII a NUL."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _NOT_ASCII.sub("\x00", text)


# The accented Latin letters of French and its neighbours, each as ``_decomposed`` reads it:
# one table lookup per letter instead of decomposing the whole message, which inside the
# server (Unicode's tables out of the caches) cost a quarter of reading a message. Whatever else
# is not ASCII (emoji, other scripts, ligatures) still goes through ``_decomposed``.
_LATIN = {code: _decomposed(chr(code)) for code in range(0xC0, 0x250)}


class Normaliser:
    """Reads a message the ways a flooder may have meant it.

    ``vocabulary`` holds the folded words of the lists: a masked word (``sal*pe``) is read as the
    list word it can stand for, since a mask hides nothing else worth reading. Where several fit,
    it gives two readings: as the shortest, and as the shortest of ``alone`` (the words that
    abuse on their own). "f**k you" needs the shortest ("fck you", not "freak you"), "s*ut" the
    other ("slut", not the "shut" of "shut up").
    """

    def __init__(self, vocabulary: Iterable[str], alone: Iterable[str] = ()) -> None:
        words = {w for w in vocabulary if len(w) >= 3}
        abusive_alone = set(alone)
        self._shortest = sorted(words, key=lambda w: (len(w), w))
        self._preferred = sorted(words, key=lambda w: (w not in abusive_alone, len(w), w))

    def readings(self, text: str) -> tuple[str, ...]:
        """The message as space-padded runs of folded words, one per plausible reading."""
        text = _ascii(text.casefold())
        # Digits and symbols (clock times, SMS digits, leetspeak, masks) are rare in what people
        # write: without them, every pass that reads them is skipped.
        symbols = _SYMBOLS.search(text) is not None
        if symbols:
            text = _CLOCK.sub(" h ", text)  # one pass either way: no search first
            if ("4" in text or "2" in text) and _SMS_DIGITS.search(text):
                text = _SMS_DIGITS.sub(lambda m: _SMS_WORDS[m.group()], text)
        bases = [text]
        if symbols and _LEET_HINT.search(text):
            as_i = _CHUNK.sub(lambda m: _unleet(m.group(), _LEET_I), text)
            as_l = _CHUNK.sub(lambda m: _unleet(m.group(), _LEET_L), text)
            bases = [as_i] if as_i == as_l else [as_i, as_l]
            bases = [_LONE_ONE.sub("i", base) for base in bases]
        readings: list[str] = []
        for base in bases:
            masked = symbols and _MASKED.search(base) is not None
            for order in (self._shortest, self._preferred) if masked else (self._shortest,):
                for reading in self._spellings(base.replace("'", " "), masked, order):
                    padded = " " + _REPEATS.sub(_ONE_LETTER, reading).strip() + " "
                    if padded not in readings:
                        readings.append(padded)
        return tuple(readings)

    def _spellings(self, text: str, masked: bool, vocabulary: list[str]) -> list[str]:
        """Word by word, then with symbols inside words dropped, masked words read as the first
        word of ``vocabulary`` that fits, and spaced letters joined."""
        plain = _NON_LETTERS.sub(" ", text)
        spellings = [plain]
        if masked:
            text = _MASKED.sub(lambda m: _unmask(m.group(), vocabulary), text)
        if masked or _INSIDE_WORD.search(text):
            joined = _NON_LETTERS.sub(" ", _INSIDE_WORD.sub("", text))
        else:  # nothing to drop or unmask: the plain words
            joined = plain
        if _SPACED.search(joined):
            if _WIDE_GAP.search(text):  # the wide gaps are the word breaks
                spellings.append(" ".join(_spaced_word(chunk) for chunk in _WIDE_GAP.split(text)))
            joined = _SPACED.sub(lambda m: m.group().replace(" ", ""), joined)
        if joined != plain:
            spellings.append(joined)
        return spellings


def _unmask(word: str, vocabulary: list[str]) -> str:
    """The first word of ``vocabulary`` that the masked word can stand for, else the word."""
    parts = [re.escape(_REPEATS.sub(_ONE_LETTER, part)) for part in _MASKS.split(word)]
    guess = re.compile("[a-z]{1,3}".join(parts))
    return next((w for w in vocabulary if guess.fullmatch(w)), word)


def _spaced_word(chunk: str) -> str:
    """A run between wide gaps: one word if it is all single letters, else its words."""
    letters = _LETTERS.findall(chunk)
    return "".join(letters) if all(len(w) == 1 for w in letters) else " ".join(letters)


def _unleet(chunk: str, table: dict[int, str]) -> str:
    """One whitespace-separated chunk read as leetspeak, if it holds a letter at all."""
    core = chunk.strip(_EDGE)
    if not core or not any("a" <= c <= "z" for c in core):
        return chunk
    start = chunk.index(core)
    letters = core.replace("|_|", "u").translate(table)  # |_| draws a u
    return chunk[:start] + letters + chunk[start + len(core) :]
