"""The word-list classifier: packaged French and English lists, compiled once, matched fast.

Lists, not a model: a moderator can read why a message was labelled, add the word a flood
invented overnight, and nothing is downloaded or loaded per message. Every list applies to
every message, whatever its language: floods mix them.

Order of work for one message: its readings (see ``normalise``); the words of each reading
are looked up in one index of anchor words, which picks the few patterns worth searching (an
ordinary message usually picks none); safe phrases (place names, idioms) are blanked out of the
reading; then threats and insults are searched. A threat outranks an insult.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import IntEnum
from importlib.resources import files

from replies.abuse import Classification
from replies.abuse.normalise import Normaliser
from replies.abuse.patterns import Pattern, parse_list, vocabulary
from replies.types import Label

# Safe phrases and game contexts before threats and insults: that is the order of the search.
LIST_FILES: dict[str, tuple[str, ...]] = {
    "safe": ("safe.txt",),
    "game": ("games.txt",),
    "threat": ("fr_threats.txt", "en_threats.txt"),
    "insult": ("fr_insults.txt", "en_insults.txt"),
}
_STEM_KEY = 3
_BLANK = "~ "  # replaces a safe phrase: not a letter, so only a gap (``...``) steps over it
_MAX_EVIDENCE = 3
# Most messages are ok: one shared answer (it is immutable) rather than a frozen dataclass
# built per call, whose ``__init__`` goes through ``object.__setattr__`` for each field.
_OK = Classification(Label.OK)
#: Words whose candidate patterns are remembered. Messages share most of their words, so
#: nearly every word of a message is found here; past this many the memory starts afresh, so
#: that a flood of invented words cannot grow it without end.
WORDS_REMEMBERED = 50_000
# The threat words people mask as they mask insults ("je vais te t*er", "im gonna k*ll you"),
# folded like the lists' words.
_MASKED_THREATS = (
    *("tuer", "buter", "crever", "violer", "viole", "morte"),
    *("kil", "kiled", "murder", "rape", "raped", "dead"),
)


class Kind(IntEnum):
    """What a matching pattern means; the order is the search order."""

    SAFE = 0
    GAME = 1
    THREAT = 2
    INSULT = 3


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: Kind
    pattern: Pattern


@dataclass(frozen=True, slots=True)
class _Word:
    """What one word of a message brings to its search."""

    anchors: tuple[int, ...]  # the entries anchored on it
    slots: int  # the required slots that hold it, one bit each


@dataclass(frozen=True, slots=True)
class _Hit:
    """Where one pattern matched: in which reading, and the folded words it matched."""

    kind: Kind
    reading: int
    start: int
    end: int
    text: str


class WordListClassifier:
    """A ``Classifier``: call it with a message, get its label and the words that earned it."""

    def __init__(
        self, lists: dict[Kind, list[Pattern]], words_remembered: int = WORDS_REMEMBERED
    ) -> None:
        self._entries = [_Entry(kind, p) for kind in sorted(lists) for p in lists[kind]]
        # The search reads these per candidate: flat lists, not attribute chains.
        self._kinds = [entry.kind for entry in self._entries]
        self._regexes = [entry.pattern.regex for entry in self._entries]
        self._words: dict[str, list[int]] = defaultdict(list)
        self._stems: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for index, entry in enumerate(self._entries):
            for word in entry.pattern.words:
                self._words[word].append(index)
            for stem in entry.pattern.stems:
                self._stems[stem[:_STEM_KEY]].append((stem, index))
        self._words = dict(self._words)
        self._stems = dict(self._stems)
        self._requires, self._slots_of_word = _required_slots(self._entries)
        self._known_words: dict[str, _Word] = {}
        self._words_remembered = words_remembered
        # A masked word (``wh*re``) is read as an insult or a word of death: what people mask;
        # also as a word that insults on its own, where one fits ("s*ut" is "slut" as well as
        # the "shut" of "shut up").
        insults = lists[Kind.INSULT]
        alone = {w for p in insults for w in p.lone_words if p.regex.search(f" {w} ")}
        self._normaliser = Normaliser(
            vocabulary(insults) | set(_MASKED_THREATS), alone=alone | set(_MASKED_THREATS)
        )

    def __call__(self, text: str) -> Classification:
        found: dict[int, list[_Hit]] = {}
        game = False
        kinds, regexes, requires = self._kinds, self._regexes, self._requires
        for number, reading in enumerate(self._normaliser.readings(text)):
            candidates, filled = self._look_up(reading.split())
            for index in sorted(candidates):  # safe phrases first: they change the reading
                if requires[index] & filled != requires[index]:
                    continue  # a required word is missing: no need to run the regex
                kind = kinds[index]
                if kind is Kind.SAFE:
                    reading = regexes[index].sub(_BLANK, reading)
                    continue
                match = regexes[index].search(reading)
                if match is None:
                    continue
                if kind is Kind.GAME:
                    game = True
                else:
                    hit = _Hit(kind, number, match.start(), match.end(), match.group().strip())
                    found.setdefault(index, []).append(hit)
        return self._label(found, game)

    def _look_up(self, words: list[str]) -> tuple[set[int], int]:
        """The entries anchored on the words, and the required slots they fill (a bit each)."""
        candidates: set[int] = set()
        filled = 0
        known = self._known_words
        for word in words:
            found = known.get(word)
            if found is None:
                found = self._word(word)
                if len(known) >= self._words_remembered:
                    known.clear()
                known[word] = found  # threads may race here: both store the same
            if found.anchors:
                candidates.update(found.anchors)
            filled |= found.slots
        return candidates, filled

    def _word(self, word: str) -> _Word:
        """What ``word`` brings: the entries anchored on it (as a whole word, or by a stem it
        starts with), and the required slots that hold it."""
        stems = self._stems.get(word[:_STEM_KEY], ())
        anchors = (
            *self._words.get(word, ()),
            *(index for stem, index in stems if word.startswith(stem)),
        )
        return _Word(anchors, self._slots_of_word.get(word, 0))

    def _label(self, found: dict[int, list[_Hit]], game: bool) -> Classification:
        if game:  # "je vais te tuer au bowling": banter, unless a threat of another kind
            found = {i: h for i, h in found.items() if not self._entries[i].pattern.game_sensitive}
        hits = [hit for index in sorted(found) for hit in found[index]]
        if any(hit.kind is Kind.THREAT for hit in hits):
            return Classification(Label.THREAT, _evidence(hits))
        if hits:
            return Classification(Label.INSULT, _evidence(hits))
        return _OK


def _required_slots(entries: list[_Entry]) -> tuple[list[int], dict[str, int]]:
    """Each entry's other required slots, and for each word the slots that hold it, as bits.

    A message's words are looked up once each (and remembered), and their bits or-ed give the
    slots the message fills; an entry is searched only if it needs no slot outside those.
    Checking each candidate's word sets against the message's words instead read large sets
    scattered in memory: a quarter of the classifier's time inside the server, where its caches
    are cold. An everyday word fills hundreds of slots, hence bits rather than sets of numbers.
    """
    numbers: dict[frozenset[str], int] = {}
    slots_of_word: dict[str, int] = defaultdict(int)
    requires: list[int] = []
    for entry in entries:
        needed = 0
        for words in entry.pattern.requires:
            if words not in numbers:
                numbers[words] = len(numbers)
                for word in words:
                    slots_of_word[word] |= 1 << numbers[words]
            needed |= 1 << numbers[words]
        requires.append(needed)
    return requires, dict(slots_of_word)


def _evidence(hits: list[_Hit]) -> tuple[str, ...]:
    """What a moderator reads: the matched words, threats first, at most ``_MAX_EVIDENCE``.

    Patterns overlap ("sale pute" is an insult, so is "pute"; "réponds ou je viens" and "je
    viens chez toi" share words): of overlapping matches the shortest says it best, so the
    others are dropped, as is any text already given or containing one given.
    """
    chosen: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.kind, len(h.text))):
        if any(
            hit.text == c.text
            or c.text in hit.text
            or (hit.reading == c.reading and hit.start < c.end and c.start < hit.end)
            for c in chosen
        ):
            continue
        chosen.append(hit)
        if len(chosen) == _MAX_EVIDENCE:
            break
    return tuple(hit.text for hit in chosen)


def load_lists() -> dict[Kind, list[Pattern]]:
    """The packaged list files, parsed and compiled."""
    folder = files("replies.abuse") / "lists"
    return {
        Kind[kind.upper()]: [
            pattern
            for name in names
            for pattern in parse_list((folder / name).read_text(encoding="utf-8"), name)
        ]
        for kind, names in LIST_FILES.items()
    }


def build_word_list_classifier() -> WordListClassifier:
    """Load and compile the packaged lists once; the result is cheap to call."""
    return WordListClassifier(load_lists())
