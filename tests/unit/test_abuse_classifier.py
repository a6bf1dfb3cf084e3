"""The abuse classifier as a moderator sees it: what it catches, what it leaves alone, and why."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from replies.abuse import Classification, Classifier, build_classifier
from replies.abuse.normalise import fold
from replies.types import Label

DATA = Path(__file__).resolve().parents[1] / "data" / "abuse"
LABELS = {"ok", "insult", "threat"}
RECALL_TARGET = 0.9
FALSE_POSITIVE_TARGET = 0.02


@pytest.fixture(scope="module")
def classify() -> Classifier:
    return build_classifier()


def _records(name: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(
    "text",
    [
        "connnnard",
        "saaaloppe",
        "c0nn@rd",
        "s4l0p3",
        "3ncul3",
        "p u t e",
        "c o n n a r d",
        "c.o.n.n.a.r.d",
        "p-u-t-e",
        "sal*pe",
        "SALE PUTE",
        "con😡nard",
        "ntm",
        "fdp",
        "tg",
        "ta gueul",
        "nique ta mere",
        "t'es conne",
        "stfu",
        "b!tch",
        "f**k you",
        "u r a loser",
        "wh*re",
        "ta gl",
        "jte bz",
        "sal chiene",
        "ptn de conne",
        "mdr la conne",
        "débile lol",
        "chienne 🖕",
        "réponds conne",
        "shut up la chienne",
        "personne veut de toi",
        "ton numéro de chienne tourne sur le forum",
        "bitch lol",
        "reply stupid",
        "everyone hates u",
    ],
)
def test_obfuscated_insults_are_caught(classify: Classifier, text: str) -> None:
    assert classify(text).label is Label.INSULT


@pytest.mark.parametrize(
    "text",
    [
        "je vais te tuer",
        "jvai te buter",
        "je sais où tu habites",
        "je vais te retrouver",
        "va te pendre",
        "je vais te violer",
        "I know where you live",
        "kill yourself",
        "kys",
        "i'll k1ll you",
        "connasse je vais te défoncer",  # an insult and a threat: the threat wins
        "tu vas prendre cher",
        "on t'attend à la sortie",
        "fais attention en rentrant",
        "si tu me bloques t'es morte",
        "jvais te tabassé",
        "coming 4 u",  # a lone 4 between words reads "for"
        "if u block me ur dead",
        "ima fuck u up",
        "je vais venir chez toi et te défoncer",  # intent, a gap, harm aimed at her
        "tu rigoleras moins",
        "il pourrait t'arriver un accident",
        "je t'ai vue ce matin devant la boulangerie",
        "ta fille sort de l'école à 16h30 je crois",  # a clock time reads "h"
        "je vais te 🔪",
        "my boys will pay you a visit",
        "it'd be a shame if something happened to you",
        "saw u leaving work at 6",
        "look out your window",
        "sleep well 😈",
        "your boss will see everything",
    ],
)
def test_threats_are_labelled_threat(classify: Classifier, text: str) -> None:
    assert classify(text).label is Label.THREAT


@pytest.mark.parametrize(
    "text",
    [
        "j'habite à Condom",
        "je t'ai vue au café, tu es magnifique",
        "tu vas pleurer devant ce film",
        "regarde par la fenêtre, il neige !",
        "je vais te tuer si tu me spoiles la fin 😂",
        "look out your window, it's snowing!",
        "I saw you at the party, you looked amazing",
        "cutting veggies for dinner 🔪🥕",
        "text me when you get home safe",
        "on part à Bitche en vacances",
        "I live in Scunthorpe",
        "we drove through Middlesex",
        "my aunt lives in Cocks, Cornwall",
        "tu habites où ?",
        "j'habite pas loin de la gare",
        "putain j'ai raté mon métro",
        "fuck I missed my train",
        "je vais te tuer au bowling",
        "I'm gonna kill you at mario kart",
        "t'es trop belle",
        "tu veux sortir avec moi ?",
        "you have a lovely smile",
        "je suis morte de rire",
        "I'll hit you up later",
        "I would never hurt you",
        "je suis en retard",
        "pros and cons of moving",
        "je sors de la douche",
        "mdr la série d'hier",
        "réponds vite stp",
        "lol t'es bête 😂",  # teasing: "bête" is mild, unlike "lol t'es conne"
        "ta glace fond",
        "à demain bz",
        "la chienne de ma voisine a eu des chiots",
        "un film complètement hystérique",
        "c'est con que tu sois malade",
        "fais attention en rentrant, il neige",
        "tu vas te faire défoncer au foot demain mdr",
        "no one wants u to leave",
        "if u block me i'll be sad lol",
    ],
)
def test_traps_flirting_and_small_talk_stay_ok(classify: Classifier, text: str) -> None:
    assert classify(text) == Classification(Label.OK)


def test_evidence_is_the_folded_words_that_matched(classify: Classifier) -> None:
    assert classify("bonjour connard").evidence == ("conard",)
    assert classify("sale pute").evidence == ("pute",)  # not "sale pute" as well
    assert classify("réponds ou je viens chez toi").evidence == ("je viens chez toi",)
    threat = classify("sale pute je sais où tu habites")
    assert threat.label is Label.THREAT
    assert threat.evidence == ("je sais ou tu habites", "pute")  # threats first
    assert classify("kys").evidence == ("kys",)
    assert classify("je vais te retrouver sale pute").evidence[0] == "je vais te retrouver"


@pytest.mark.parametrize(
    "text",
    [
        "connasse salope pute grosse vache tg ntm fdp",
        "t'es qu'une grosse merde",
        "espèce de sale conne je vais te défoncer",
        "you stupid fat cow, i'll find you",
        "go to hell you whore",
    ],
)
def test_evidence_is_short_deduplicated_and_free_of_list_names(
    classify: Classifier, text: str
) -> None:
    evidence = classify(text).evidence
    assert 1 <= len(evidence) <= 3 and len(set(evidence)) == len(evidence)
    assert all(word in fold(text) for word in evidence)  # words of the message, not list names


def test_the_tuning_sets_are_well_formed_and_large_enough() -> None:
    for name in ("tuning_fr.jsonl", "tuning_en.jsonl"):
        records = _records(name)
        assert all(set(record) == {"text", "label", "note"} for record in records)
        assert all(record["label"] in LABELS for record in records)
        assert all(1 <= len(record["text"]) <= 200 for record in records)
        assert len({record["text"] for record in records}) == len(records)
        counts = Counter(record["label"] for record in records)
        assert len(records) >= 700 and counts["insult"] >= 200 and counts["threat"] >= 170


def _recall(classify: Classifier, records: list[dict[str, str]], label: str) -> float:
    texts = [r["text"] for r in records if r["label"] == label]
    return sum(classify(t).label.value == label for t in texts) / len(texts)


def _false_positives(classify: Classifier, records: list[dict[str, str]]) -> float:
    oks = [r["text"] for r in records if r["label"] == "ok"]
    return sum(classify(t).label is not Label.OK for t in oks) / len(oks)


def _unmet(figure: str) -> pytest.MarkDecorator:
    """A target the classifier does not meet yet: recorded, and noticed once it is met."""
    return pytest.mark.xfail(strict=True, reason=f"not met: {figure} (tests/data/abuse/README.md)")


# Every target on every held-out set; the ones not met are marked with the figure measured.
HELD_OUT_TARGETS = [
    pytest.param("heldout_fr", "insult", id="heldout_fr-insult"),
    pytest.param(
        "heldout_fr", "threat", marks=_unmet("threat recall 0.891"), id="heldout_fr-threat"
    ),
    pytest.param("heldout_fr", "ok", id="heldout_fr-ok"),
    pytest.param("heldout_en", "insult", id="heldout_en-insult"),
    pytest.param(
        "heldout_en", "threat", marks=_unmet("threat recall 0.867"), id="heldout_en-threat"
    ),
    pytest.param("heldout_en", "ok", id="heldout_en-ok"),
    pytest.param(
        "heldout2_fr", "insult", marks=_unmet("insult recall 0.841"), id="heldout2_fr-insult"
    ),
    pytest.param(
        "heldout2_fr", "threat", marks=_unmet("threat recall 0.744"), id="heldout2_fr-threat"
    ),
    pytest.param("heldout2_fr", "ok", marks=_unmet("false positives 3.4 %"), id="heldout2_fr-ok"),
    pytest.param(
        "heldout2_en", "insult", marks=_unmet("insult recall 0.848"), id="heldout2_en-insult"
    ),
    pytest.param(
        "heldout2_en", "threat", marks=_unmet("threat recall 0.700"), id="heldout2_en-threat"
    ),
    pytest.param("heldout2_en", "ok", id="heldout2_en-ok"),
]


@pytest.mark.parametrize(("name", "label"), HELD_OUT_TARGETS)
def test_a_held_out_set_meets_its_target(classify: Classifier, name: str, label: str) -> None:
    """Recall of at least 0.9 on insults and on threats, at most 2 % of ``ok`` flagged."""
    records = _records(f"{name}.jsonl")
    if label == "ok":
        assert _false_positives(classify, records) <= FALSE_POSITIVE_TARGET
    else:
        assert _recall(classify, records, label) >= RECALL_TARGET
