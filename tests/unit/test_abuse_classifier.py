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
    ],
)
def test_threats_are_labelled_threat(classify: Classifier, text: str) -> None:
    assert classify(text).label is Label.THREAT


@pytest.mark.parametrize(
    "text",
    [
        "j'habite à Condom",
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


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_held_out_sets_meet_the_insult_and_false_positive_targets(
    classify: Classifier, language: str
) -> None:
    records = _records(f"heldout_{language}.jsonl")
    assert _recall(classify, records, "insult") >= RECALL_TARGET
    oks = [r["text"] for r in records if r["label"] == "ok"]
    false_positives = sum(classify(t).label is not Label.OK for t in oks) / len(oks)
    assert false_positives <= FALSE_POSITIVE_TARGET, f"ok false positives {false_positives:.3f}"


@pytest.mark.xfail(
    strict=True,
    reason="not met after four rounds (see tests/data/abuse/README.md): threat recall 0.87 fr, "
    "0.82 en. Remove this mark once it is met.",
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_held_out_sets_meet_the_threat_recall_target(
    classify: Classifier, language: str
) -> None:
    records = _records(f"heldout_{language}.jsonl")
    assert _recall(classify, records, "threat") >= RECALL_TARGET
