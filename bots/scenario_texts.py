"""What the senders of a replayed scenario write.

Raid messages are built from parts and then disguised the way raiders disguise them
(leetspeak, spaced or doubled letters, SMS spelling, dots inside words), so that a replay
measures a classifier on varied text rather than on a few strings it could learn by heart.
Mostly French, as in 2017, with some English. Threats are rare and kept to the kind the
service must flag: intimidation, never detail.
"""

from __future__ import annotations

import random
from collections.abc import Callable

FIRST_NAMES = (
    "Thomas", "Julien", "Max", "Karim", "Nico", "Antoine", "Hugo", "Mehdi", "Lucas", "Romain",
    "Sami", "Kevin", "Alex", "Yanis", "Bastien", "Théo", "Jordan", "Adrien", "Enzo", "Florian",
)  # fmt: skip
PLACES = (
    "du bar", "de la soirée", "du concert", "du métro", "de la salle de sport", "du festival",
    "de l'anniversaire de Léa", "de la fac", "de la boîte", "du mariage",
)  # fmt: skip
GENUINE_FIRST = (
    "Salut, c'est {name} {place} 😊",
    "Coucou ! C'est {name}, on s'est croisés hier soir {place}",
    "Hey, c'est {name} {place}, j'ai passé un super moment",
    "Bonsoir, c'est bien toi ? {name} {place}",
    "Salut la belle, c'est {name}, tu te souviens de moi ?",
    "Coucou c'est {name} ! Ça te dirait un verre cette semaine ?",
    "Hello, {name} {place}. Bien rentrée ?",
    "Salut ! C'était sympa de parler avec toi, {name}",
    "Hey toi 😉 c'est {name}",
    "Bonjour, c'est {name}, tu m'as donné ton numéro {place}",
    "Hi, it's {name} from last night, how are you?",
)  # fmt: skip
GENUINE_FOLLOW_UP = ("?", "Tu réponds pas ?", "Allô ?", "Bon ok...", "T'es là ?", "Re 🙂")
NEUTRAL_OPENERS = (
    "Salut", "Coucou, c'est qui ?", "Bonsoir, on m'a donné ce numéro", "Hello :)",
    "Salut ça va ?", "C'est bien le numéro de Julie ?", "Bonjour", "Cc",
    "Salut, tu te souviens de moi ?", "Hey",
)  # fmt: skip
BOT_MESSAGES = (
    "Salut", "Bonjour", "Hello", "Coucou", "Slt", "cc", "Bonsoir", "Salut c'est moi",
    "Hey", "Coucou toi", "Bjr", "Yo",
)  # fmt: skip
WELL_WISHER_MESSAGES = (
    "Test", "Coucou, je teste le numéro anti-relous 👋", "Bravo pour l'initiative !",
    "Trop bien ce numéro", "Je viens de voir l'article, super idée", "Hello, ça marche ?",
    "Merci pour ce que vous faites", "Test test 1 2", "Je partage à toutes mes copines !",
    "Génial, je le donnerai la prochaine fois", "Coucou, c'est pour voir la réponse 😄",
    "Testing from Belgium, great idea", "Bonjour, petit test", "Force à vous 💪",
)  # fmt: skip
INSULTS = (
    "connasse", "salope", "pute", "grosse pute", "pétasse", "conne", "débile", "sale chienne",
    "féministe de merde", "mal baisée", "grosse vache", "trou du cul", "pauvre conne",
    "sale pute", "cassos", "boloss", "chienne", "sale folle", "hystérique", "grognasse",
    "bitch", "slut", "dumb whore", "ugly cow",
)  # fmt: skip
INSULT_PHRASES = (
    "ta gueule {insult}", "ferme ta gueule {insult}", "va te faire foutre {insult}",
    "t'es qu'une {insult}", "espèce de {insult}", "{insult}", "{insult} va",
    "nique ta mère {insult}", "personne veut de toi {insult}", "t'es moche {insult}",
    "ton numéro de {insult} tourne sur le forum", "on est {count} à t'écrire {insult}",
    "réponds {insult}", "lol {insult}", "mdr la {insult}", "shut up {insult}",
    "{insult} {insult2}", "bouffonne", "va crever",
)  # fmt: skip
SMS_SPELLING = (
    "ntm", "fdp", "tg", "ftg", "tg sal pute", "ta gl", "t 1 grosse conne", "sal chiene",
    "nique ta mer", "jte bz", "ptn de connass", "vtff", "tg la grosse", "ptit pute",
)  # fmt: skip
TAILS = ("", "", "", " !", " !!!", " lol", " mdr", " 🖕", " 😂😂", " 🤡", " hahaha", " .")
THREATS = (
    "je sais où tu habites",
    "fais gaffe à toi quand tu sortiras du boulot",
    "on va te retrouver, tu vas regretter",
    "on a ton adresse, tu vas voir ce qui va t'arriver",
    "je t'attends en bas de chez toi",
    "tu vas payer pour ce numéro, on te retrouvera",
    "we know where you live",
)
LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


def _leet(text: str, rng: random.Random) -> str:
    return text.translate(LEET) if rng.random() < 0.5 else text.replace("a", "@").replace("s", "$")


def _spaced(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    words[longest] = rng.choice((" ", ".", "-", "_", "*")).join(words[longest])
    return " ".join(words)


def _doubled(text: str, rng: random.Random) -> str:
    vowels = [i for i, c in enumerate(text) if c in "aeiouy"]
    if not vowels:
        return text + "eeee"
    at = rng.choice(vowels)
    return text[:at] + text[at] * rng.randint(3, 7) + text[at + 1 :]


def _shouted(text: str, _rng: random.Random) -> str:
    return text.upper()


Disguise = Callable[[str, random.Random], str]
DISGUISES: tuple[Disguise, ...] = (_leet, _spaced, _doubled, _shouted)


def friendly_first(rng: random.Random) -> str:
    """A first message from someone who was really given the number."""
    return rng.choice(GENUINE_FIRST).format(name=rng.choice(FIRST_NAMES), place=rng.choice(PLACES))


def insult(rng: random.Random) -> str:
    """One raid message; about a third disguised, a tenth in SMS spelling."""
    if rng.random() < 0.1:
        text = rng.choice(SMS_SPELLING)
    else:
        text = rng.choice(INSULT_PHRASES).format(
            insult=rng.choice(INSULTS),
            insult2=rng.choice(INSULTS),
            count=rng.choice((50, 100, 200, 300)),
        )
    if rng.random() < 0.35:
        text = rng.choice(DISGUISES)(text, rng)
    return text + rng.choice(TAILS)


def threat(rng: random.Random) -> str:
    """One threatening raid message, now and then with an insult attached."""
    text = rng.choice(THREATS)
    return f"{text} {rng.choice(INSULTS)}" if rng.random() < 0.5 else text
