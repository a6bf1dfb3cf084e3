"""Abuse classification: every inbound message gets a label before anything is decided.

The classifier is a plain callable so that the shield (word lists, normalisation, models) can
replace the placeholder without touching the responder. ``build_classifier`` gives the
French/English word-list one (see ``classifier`` and the files under ``lists/``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from replies.types import Label


@dataclass(frozen=True, slots=True)
class Classification:
    """A label and the words that earned it (empty for ``ok``).

    ``evidence`` holds the message's own words as the lists read them (folded: case, accents
    and doubled letters gone, so ``connard`` reads ``conard``), threats first, at most three:
    a moderator sees what was matched, not how the lists are organised.
    """

    label: Label
    evidence: tuple[str, ...] = ()


Classifier = Callable[[str], Classification]


def label_everything_ok(text: str) -> Classification:
    """The placeholder classifier: every message is ``ok`` until the shield is built."""
    return Classification(Label.OK)


def build_classifier() -> Classifier:
    """The French and English word-list classifier, its packaged lists compiled once.

    Call it once at start-up and keep the result: building takes two or three seconds, a call
    tens of microseconds.
    """
    from replies.abuse.classifier import build_word_list_classifier  # it imports this module

    return build_word_list_classifier()
