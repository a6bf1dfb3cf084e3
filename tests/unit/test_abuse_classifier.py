"""The abuse classifier as a moderator sees it: what it catches, what it leaves alone, and why."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from replies.abuse import Classification, Classifier, build_classifier
from replies.abuse.classifier import Kind, WordListClassifier, load_lists
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
        "t'es qu'une p*te",  # not "pete", which the lists hold only inside "qui se la pète"
        "what a s*ut",  # not the "shut" of "shut up"
        "SALE PUTE",
        "con😡nard",
        # accents added, precomposed (folded by table) or combining, and full-width letters
        "çönnàrd",
        "ĉonnaŕd",
        "pu\u0301te",
        "ｃｏｎｎａｒｄ",
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
        "t'es qu'une menteuse",
        "liar",
        "ugly anyway",
        "tchoin",
        "cheh la moche",
        "t moch tkt",
        "ptn t'es vrmt une débile toi",
        "t'as le QI d'une huître",
        "uggo",
        "ur a pick-me that nobody picked",
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
        # round 6: shapes widened beyond the tuning phrasings
        "je vais te t*er",  # a masked word of death
        "im gonna k*ll you",
        "u r   d e a d",  # spaced letters, wider gaps between words
        "j e  s a i s  o ù  t ' h a b i t e s",
        "1 kn0w wh3r3 u l1v3",  # a lone 1 opening leetspeak reads "I"
        "u got 24hrs",  # a span of hours reads "h"
        "ta 24h",
        "jte retrouv tkt",
        "jsai ou ta creché",
        "I know where tu habites",  # mixed languages
        "je sais where you live",
        "t'es dead bientôt bitch",
        "d34d s00n 💀",
        "ton chien aboie beaucoup. il aboiera plus longtemps.",
        "your dog barks a lot. not for much longer",
        # emoji that menace only beside others read as words: fire and her car or home, acid
        "ta caisse 🔥 cette nuit",
        "🔥🏠 bientôt",
        "your house 🔥 tonight",
        "🧪 for ur face",
        "ta vie va devenir un enfer",
        "your life is about to get very hard",
        "tu peux changer de numéro, ça changera rien",
        "you think a fake number stops me? cute",
        "appelle les flics, ils seront pas là h24",
        "j'étais juste derrière toi à la caisse, t'as même pas calculé",
        "i was right behind you at the checkout, you didnt even notice",
        "c'est joli chez toi. surtout vu de la rue.",
        "your light's still on. can't sleep?",
        "jvais faire un faux compte avec tes photos",
        "sending your nudes to everyone in your contacts",
        "your boss is getting some interesting emails about you",
        "que tu dises oui ou non, ça changera rien",
        "your no means nothing to me",
        "personne t'entendra crier",
        "nobody's gonna hear u scream",
        "donne moi ton vrai numéro ou ça va mal se passer",
        "give me your real number or this gets ugly",
        "1hr to reply or its war",
        "encore un message de ce robot et je viens",
        "des amis à moi vont venir te rendre une petite visite",
        "they'll find you, and they're not as nice as me",
        "on va te schlasser",
        "jvais te goumer en bas d chez toi",
        "pull up on u at ur crib",
        "ok ok act tough, tmrw ur gone",
        "ton patron va recevoir des trucs très intéressants sur toi",
        "le 14 rue des Lilas, 3e étage, porte de gauche. c'est bien ça ?",
        "je vais te tuer, et c'est pas au bowling",  # a game denied is no game
        "I'm going to kill you, and I don't mean at bowling",
        "si je peux pas t'avoir, personne t'aura",
        "it'd be easy to make it look like an accident",
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
        "t'es 🔥",  # fire alone is a compliment
        "ur 🔥🔥 babe",
        "ma maison 🏠 est prête, venez 🔥",
        "lab day 🧪 ugh",
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
        # round 6: innocent neighbours of the widened shapes
        "il traîne sur son téléphone toute la journée",  # not "traînée"
        "je te ferais jamais de mal, t'inquiète",
        "I'd never hurt you, don't worry",
        "Dans le film le tueur dit 'je sais où tu habites', j'en ai fait des cauchemars",
        "in the movie the killer says 'I know where you live', gave me nightmares",
        "mdr t'es folle toi",
        "je t'ai à l'œil au blind test, t'as triché 😂",
        "on va vous défoncer au foot, votre équipe est nulle",
        "mon collègue est un vrai connard, désolé je vide mon sac",
        "my coworker is such an asshole, sorry just venting",
        "les accidents ça arrive, t'inquiète pas pour le vase",
        "i know where you work, you told me, how's the new job?",
        "you'll see, it's a great place",
        "tu peux changer de numéro, dis-moi le nouveau",
        "la rue est mal éclairée, je te raccompagne ?",
        "your street is dark at night, want me to walk you home?",
        "nobody will be around to help you move that day, sorry",
        "in space no one can hear you scream",
        "t'as changé de coiffure ? ça te va trop bien",
        "my cat sat on your balcony again lol sorry",
        "tes parents vont adorer me rencontrer",
        "reply or I'll eat all the pizza",
        "t'as 24h pour rendre le dossier, bon courage",
        "you have 24 hours to submit the form",
        "ton mec peut pas être là ce soir ? dommage",
        "your bf can't make it tonight? shame",
        "I know people in your area who can help you move",
        "t'as bien fermé la porte ?",
        "your face will be all over the billboards when you're famous",
        "je vais raconter à ta mère comment tu as gagné le prix",
        "spare key is under the mat, come in whenever",
        "you should think about moving to Berlin, it's great",
        "je viens te chercher à la gare en personne",
        "saw you at the concert last night, great voice!",
        "i'll come to your office party if that's ok",
        "la prochaine fois que tu viens, je serai là",
        "next time you visit, I'll be there",
        "I'm going to kill you at uno lol",
        "la bécasse des bois est un oiseau",
        "mid-day meeting moved to 2pm",
        "le QI de la classe est élevé",
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


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _unmet(figure: str) -> pytest.MarkDecorator:
    """A target the classifier does not meet yet: recorded, and noticed once it is met."""
    return pytest.mark.xfail(strict=True, reason=f"not met: {figure} (tests/data/abuse/README.md)")


def _target(name: str, label: str, unmet: str | None = None) -> Any:
    """One held-out set's target for one label; ``unmet``: the figure measured, if short."""
    marks = [_unmet(unmet)] if unmet else []
    return pytest.param(name, label, marks=marks, id=f"{name}-{label}")


# Every held-out set committed (test_heldout_sets.py checks each is pinned).
HELD_OUT_SETS = tuple(sorted(path.stem for path in DATA.glob("heldout*.jsonl")))
# The targets not met yet, with the figure measured (round 16) on the lines no tuning set holds.
UNMET = {
    ("heldout_en", "threat"): "threat recall 0.897",
    ("heldout2_fr", "threat"): "threat recall 0.824",
    ("heldout2_en", "threat"): "threat recall 0.765",
    ("heldout3_fr", "insult"): "insult recall 0.897",
    ("heldout3_fr", "threat"): "threat recall 0.655",
    ("heldout3_en", "threat"): "threat recall 0.734",
    ("heldout3_en", "ok"): "false positives 2.5 %",
    ("heldout4_fr", "insult"): "insult recall 0.854",
    ("heldout4_fr", "threat"): "threat recall 0.694",
    ("heldout4_en", "threat"): "threat recall 0.808",
    ("heldout4_en", "ok"): "false positives 3.4 %",
    ("heldout5_fr", "threat"): "threat recall 0.671",
    ("heldout5_en", "insult"): "insult recall 0.759",
    ("heldout5_en", "threat"): "threat recall 0.702",
    ("heldout5_en", "ok"): "false positives 2.6 % (1.7 % in round 9)",
    ("heldout6_fr", "insult"): "insult recall 0.836",
    ("heldout6_fr", "threat"): "threat recall 0.740",
    ("heldout6_fr", "ok"): "false positives 2.6 %",
    ("heldout6_en", "insult"): "insult recall 0.867",
    ("heldout6_en", "threat"): "threat recall 0.720",
    ("heldout6_en", "ok"): "false positives 3.4 %",
    ("heldout7_fr", "threat"): "threat recall 0.718",
    ("heldout7_fr", "ok"): "false positives 3.4 %",
    ("heldout7_en", "insult"): "insult recall 0.786",
    ("heldout7_en", "threat"): "threat recall 0.646",
    ("heldout8_fr", "insult"): "insult recall 0.755",
    ("heldout8_fr", "threat"): "threat recall 0.671",
    ("heldout8_en", "insult"): "insult recall 0.783",
    ("heldout8_en", "threat"): "threat recall 0.693",
    ("heldout9_fr", "insult"): "insult recall 0.850",
    ("heldout9_fr", "threat"): "threat recall 0.684",
    ("heldout9_fr", "ok"): "false positives 2.5 % (1.7 % in round 13)",
    ("heldout9_en", "insult"): "insult recall 0.774",
    ("heldout9_en", "threat"): "threat recall 0.645",
    ("heldout10_fr", "threat"): "threat recall 0.719",
    ("heldout10_en", "insult"): "insult recall 0.860",
    ("heldout10_en", "threat"): "threat recall 0.701",
    ("heldout10_en", "ok"): "false positives 5.0 %",
    ("heldout11_fr", "insult"): "insult recall 0.825",
    ("heldout11_fr", "threat"): "threat recall 0.659",
    ("heldout11_fr", "ok"): "false positives 2.5 %",
    ("heldout11_en", "insult"): "insult recall 0.855",
    ("heldout11_en", "threat"): "threat recall 0.708",
    ("heldout12_fr", "insult"): "insult recall 0.774",
    ("heldout12_fr", "threat"): "threat recall 0.641",
    ("heldout12_fr", "ok"): "false positives 2.5 %",
    ("heldout12_en", "insult"): "insult recall 0.808",
    ("heldout12_en", "threat"): "threat recall 0.756",
    ("heldout12_en", "ok"): "false positives 5.0 %",
}
# Every target on every held-out set, scored on its lines that no tuning set holds word for word.
HELD_OUT_TARGETS = [
    _target(name, label, UNMET.get((name, label)))
    for name in HELD_OUT_SETS
    for label in ("insult", "threat", "ok")
]


@pytest.mark.parametrize(("name", "label"), HELD_OUT_TARGETS)
def test_a_held_out_set_meets_its_target(classify: Classifier, name: str, label: str) -> None:
    """Recall of at least 0.9 on insults and on threats, at most 2 % of ``ok`` flagged."""
    tuning = {_key(r["text"]) for r in _records("tuning_fr.jsonl") + _records("tuning_en.jsonl")}
    records = [r for r in _records(f"{name}.jsonl") if _key(r["text"]) not in tuning]
    if label == "ok":
        assert _false_positives(classify, records) <= FALSE_POSITIVE_TARGET
    else:
        assert _recall(classify, records, label) >= RECALL_TARGET


def test_every_word_that_insults_alone_still_does_with_a_letter_masked(
    classify: Classifier,
) -> None:
    """A mask is read as a list word it can stand for, and a new list line can bring a word that
    takes the mask from the insult ("shut" from "s*ut", "pete" from "p*te"): the words that
    insult on their own must win."""
    words = {
        word
        for pattern in load_lists()[Kind.INSULT]
        for word in pattern.lone_words
        if len(word) >= 4 and classify(word).label is not Label.OK
    }
    assert len(words) > 1000
    masked = {
        word: word[:1] + "*" + word[2:] if len(word) < 6 else word[:2] + "*" + word[3:]
        for word in words
    }
    assert [w for w, m in sorted(masked.items()) if classify(m).label is Label.OK] == []


def test_forgetting_the_words_it_remembered_changes_no_label(classify: Classifier) -> None:
    """A flood of invented words empties the memory of each word's patterns over and over (it
    is bounded): every message is still labelled as with a memory that never forgets."""
    forgetful = WordListClassifier(load_lists(), words_remembered=5)
    records = _records("tuning_fr.jsonl")[::7] + _records("tuning_en.jsonl")[::7]
    assert len(records) > 700
    assert [forgetful(r["text"]) for r in records] == [classify(r["text"]) for r in records]
