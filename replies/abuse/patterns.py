"""The list files' small pattern language, compiled once into regexes over folded words.

A line of a list file is ``pattern`` or ``name = pattern``; the name (else the first
alternative of each slot) titles the line for whoever reads or debugs the lists, while the
evidence a match reports is the folded text it matched. ``#`` starts a comment. A pattern
is a sequence of slots separated by spaces:

- ``connard``: that word; ``encul*``: any word that starts with ``encul`` (3 letters at least);
- ``con|conne|t'es_con``: one of the alternatives; ``_`` (or an apostrophe) joins words;
- ``@you``: the alternatives of a macro, defined on its own line as ``@you = tu|t'es|…``;
  an alternative may also be a macro (``@insult|con``);
- a slot ending in ``?`` is optional; ``...`` skips up to three words (or blanked safe phrases);
- an alternative ``$`` lets the end of the message fill the slot: such a slot, when last, is
  context ("je vais te retrouver" followed by ``et``, ``sale`` or nothing), checked but left
  out of the matched text so that the evidence stays the threat itself;
- ``^`` and ``$`` stand for the start and the end of the message.

A line that starts with ``~`` marks a threat that a game context turns into banter ("je vais te
tuer au bowling"). Entries are folded like messages, so they are written with their accents and
doubled letters, as people spell them. Two readings of a message give lists words that are
not letters in it (see ``normalise``): a clock time ("16h30", "7:40", "6pm") reads ``h``, so a
list can say "à_h" or "at_h"; and the emoji of menace read as words (``emknife`` for a knife or
an axe, ``emgun``, ``emcofin`` as folded, ``emblood``, ``emdevil``, ``emeyes``, ``emskull``,
and, menacing only beside others, ``emfire``, ``emhouse``, ``emrope``, ``emhamer`` as folded,
``emambulance``, ``emacid``, ``emcamera``).

The threat lists describe shapes rather than sentences: a macro for who speaks (``@qui_va``,
``@squad``), a gap (``...`` or ``... ...``), a macro for the harm (``@blesser``, ``@hurt``) and a
trailing context (``@apres``, ``@after_en``) that only the end of the message or words of menace
fill, so that "tu vas pleurer" is a threat but "tu vas pleurer devant ce film" is not.

Each pattern is indexed by the words of one required slot (its anchor): a message is only
searched with the patterns whose anchor word it contains. Any required slot would do, since each
of its alternatives has a word the match contains; the anchor is the slot whose words a message
holds least often, guessed from their length and number, a word of everyday grammar such as
"you" or "je" counting as one in every message. The other required slots are checked the same
cheap way (``requires``) before the regex runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from replies.abuse.normalise import fold

_GAP = "..."
_EDGES = {"^": "(?<=^ )", "$": "$"}
_JOINERS = re.compile(r"[_'’-]")
_MIN_STEM = 3
#: Words in most messages, French or English: a slot of these is a poor anchor (see above).
_EVERYDAY_WORDS = (
    "the you your i me my a to it is in on at this that get and of for be are will gona "
    "je j tu te t toi moi ma mon ta ton tes le la les de des un une et est es ai as va vais "
    "pas ne que qui il elle c ca "
    "u ur ya m s re ll d with what when how have has was were just like so not no do don dont "
    "can all up out if or but we they he she him her them one now see know go going got time "
    "day right good love too here there then en au aux du dans sur pour par avec mais ou si on "
    "ce se sa son ses nous vous ils y bien plus tout fait faire vu trop lol mdr sais suis peux "
    "veux quand comme aussi encore toujours soir jai tas"
)
# How often a word of the lists turns up in a message, roughly: everyday words always, others
# less the longer they are; a stem (``encul*``) stands for several words.
_EVERYDAY_COST = 1.0
_LETTER_ODDS = 0.25
_STEM_FACTOR = 4.0
_EVERYDAY = frozenset(_EVERYDAY_WORDS.split())


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled list line."""

    name: str
    regex: re.Pattern[str]
    words: frozenset[str]  # anchor words, matched whole
    stems: frozenset[str]  # anchor stems, matched as a word's start
    game_sensitive: bool = False
    # For each other required slot of whole words, the words one of which a match contains:
    # a message lacking all of one slot's is skipped without running the regex.
    requires: tuple[frozenset[str], ...] = ()
    # The anchor words that fill the slot alone, not as one word of a phrase ("pute", not the
    # "pete" of "qui_se_la_pète"): what a masked word (``p*te``) may stand for.
    lone_words: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Slot:
    regex: str
    anchors: tuple[str, ...]  # one folded word (or ``stem*``) per alternative
    lone: frozenset[str]  # the anchors that are their alternative's only word
    cost: float  # how often a message holds one of its anchors, roughly (``_cost``)
    optional: bool
    or_end: bool = False  # the end of the message also fills this slot


def parse_list(text: str, source: str) -> list[Pattern]:
    """Every pattern of one list file; a malformed line raises ``ValueError`` naming it."""
    macros: dict[str, list[str]] = {}
    patterns: list[Pattern] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if line.startswith("@"):
                name, _, body = line.partition("=")
                macros[name.strip()] = _expand(body.strip(), macros)
            else:
                patterns.append(_compile_line(line, macros))
        except ValueError as error:
            raise ValueError(f"{source}:{number}: {error}: {raw.strip()!r}") from None
    return patterns


def _compile_line(line: str, macros: dict[str, list[str]]) -> Pattern:
    game_sensitive = line.startswith("~")
    line = line.removeprefix("~").strip()
    name, sep, body = line.partition(" = ")
    if not sep:
        name, body = _short_name(line), line
    slots = [_compile_slot(token, macros) for token in body.split()]
    required = [slot for slot in slots if isinstance(slot, _Slot) and not slot.optional]
    if not required:
        raise ValueError("a pattern needs one required slot")
    anchor = min(required, key=lambda slot: slot.cost)
    pieces = [_piece(slot) for slot in slots]
    last = slots[-1]
    if isinstance(last, _Slot) and last.or_end:  # trailing context: looked at, not matched
        pieces[-1] = f"(?=(?:{last.regex}) |$)"
    return Pattern(
        name=name.strip(),
        regex=re.compile("(?<= )" + "".join(pieces)),
        words=frozenset(a for a in anchor.anchors if not a.endswith("*")),
        stems=frozenset(a[:-1] for a in anchor.anchors if a.endswith("*")),
        game_sensitive=game_sensitive,
        requires=_requires(required, anchor),
        lone_words=frozenset(a for a in anchor.lone if not a.endswith("*")),
    )


def _requires(required: list[_Slot], anchor: _Slot) -> tuple[frozenset[str], ...]:
    """The word sets of the required slots other than the anchor, rarest first.

    Each alternative of a slot holds its anchor word whole, so a match needs one of them in the
    message's words; slots with a stem (``encul*``) are left to the regex.
    """
    others = [
        slot
        for slot in required
        if slot is not anchor
        and not slot.or_end  # the end of the message may fill it
        and not any(a.endswith("*") for a in slot.anchors)
    ]
    others.sort(key=lambda slot: slot.cost)
    return tuple(frozenset(slot.anchors) for slot in others)


# A gap may step over a blanked safe phrase ("something bad is gonna happen": "is gonna" is
# blanked for its harmless uses, the sentence around it is still a threat).
_GAP_REGEX = "(?:(?:[a-z]+|~) ){0,3}"


def _short_name(body: str) -> str:
    """An unnamed line's evidence: the first alternative of each required slot."""
    firsts = [
        token.split("|")[0].replace("_", " ")
        for token in body.split()
        if token not in (_GAP, *_EDGES) and not token.endswith("?")
    ]
    return " ".join(firsts)


def _piece(slot: _Slot | str) -> str:
    """The slot's regex with its trailing space: every folded word is followed by one."""
    if isinstance(slot, str):
        return slot
    if slot.or_end:
        return f"(?:(?:{slot.regex}) |$)"
    return f"(?:(?:{slot.regex}) )?" if slot.optional else f"(?:{slot.regex}) "


def _compile_slot(token: str, macros: dict[str, list[str]]) -> _Slot | str:
    if token == _GAP:
        return _GAP_REGEX
    if token in _EDGES:  # the start or the end of the message
        return _EDGES[token]
    optional = token.endswith("?")
    alternatives = _expand(token.removesuffix("?"), macros)
    or_end = "$" in alternatives
    alternatives = [a for a in alternatives if a != "$"]
    regexes: list[str] = []
    anchors: list[str] = []
    lone: set[str] = set()
    for alternative in alternatives:
        words = [_word(word) for word in _JOINERS.sub(" ", alternative).split()]
        if not words:
            raise ValueError(f"empty alternative in {token!r}")
        regexes.append(" ".join(regex for regex, _ in words))
        anchors.append(min((a for _, a in words), key=lambda a: (_cost(a), -len(a))))  # rarest
        if len(words) == 1:
            lone.add(anchors[-1])
    regexes.sort(key=len, reverse=True)  # the longest reading first
    # A slot the end of the message can fill holds no word for sure: never the anchor.
    cost = float("inf") if or_end else sum(_cost(anchor) for anchor in set(anchors))
    return _Slot("|".join(regexes), tuple(anchors), frozenset(lone), cost, optional, or_end)


def _cost(anchor: str) -> float:
    """How often a message holds ``anchor``, roughly: always for an everyday word."""
    if anchor in _EVERYDAY:
        return _EVERYDAY_COST
    stem = anchor.endswith("*")
    cost = _LETTER_ODDS ** len(anchor.rstrip("*")) * 2  # below an everyday word's, always
    return cost * _STEM_FACTOR if stem else cost


def _word(word: str) -> tuple[str, str]:
    """One word's regex and its anchor form (``stem*`` for a prefix)."""
    stem = word.endswith("*")
    folded = fold(word.removesuffix("*"))
    if not word.removesuffix("*").isalpha() or not folded.isalpha():
        raise ValueError(f"{word!r} is not one word of letters")
    if stem:
        if len(folded) < _MIN_STEM:
            raise ValueError(f"the stem {word!r} is shorter than {_MIN_STEM} letters")
        return f"{folded}[a-z]*", f"{folded}*"
    return folded, folded


def _expand(body: str, macros: dict[str, list[str]]) -> list[str]:
    """The alternatives of a slot, with macros replaced by theirs."""
    alternatives: list[str] = []
    for alternative in body.split("|"):
        if alternative.startswith("@"):
            if alternative not in macros:
                raise ValueError(f"unknown macro {alternative}")
            alternatives.extend(macros[alternative])
        elif alternative:
            alternatives.append(alternative)
    if not alternatives:
        raise ValueError("no alternative")
    return alternatives


def vocabulary(patterns: list[Pattern]) -> set[str]:
    """The anchor words that fill a slot alone: what a masked word may stand for."""
    return {word for pattern in patterns for word in pattern.lone_words}
