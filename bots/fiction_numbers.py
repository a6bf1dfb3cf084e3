"""French phone numbers reserved for fiction: senders a replayed attack can use safely.

A replay that pointed at a real Twilio account with ordinary-looking numbers could text
strangers. France's national numbering plan sets aside six blocks of 10,000 numbers for
audiovisual works, never assigned to a subscriber:

    01 99 00 xx xx, 02 61 91 xx xx, 03 53 01 xx xx, 04 65 71 xx xx, 05 36 49 xx xx
    and the mobile block 06 39 98 xx xx.

Source: ARCEP decision 2018-0881 of 24 July 2018 establishing the national numbering plan,
annex 1, article 2.5.12 (numbers for audiovisual works), Légifrance JORFARTI000037263033.
The annex's own table could not be read here; the six roots were checked against the French
State design system's guidance for phone fields, which quotes that article and lists the same
roots, and against other public projects that draw test numbers from 06 39 98 and 01 99 00.

Senders come from the mobile block first (people text from mobiles), then the geographic
ones: 60,000 distinct numbers in all, more than any scenario needs.
"""

from __future__ import annotations

import random

#: Each block is one of these E.164 roots followed by any four digits.
FICTION_ROOTS: tuple[str, ...] = (
    "+3363998",  # 06 39 98: mobile
    "+3319900",  # 01 99 00
    "+3326191",  # 02 61 91
    "+3335301",  # 03 53 01
    "+3346571",  # 04 65 71
    "+3353649",  # 05 36 49
)
BLOCK_SIZE = 10_000
#: The receiving number by default: French, so that the server answers French senders, and
#: fictional too, from the end of the 01 99 00 block (senders are drawn from its start).
DEFAULT_RECEIVER = "+33199009999"


def fiction_number(index: int) -> str:
    """The ``index``-th number of the fiction blocks, mobile block first."""
    if not 0 <= index < BLOCK_SIZE * len(FICTION_ROOTS):
        raise ValueError(f"only {BLOCK_SIZE * len(FICTION_ROOTS)} fiction numbers exist")
    block, rest = divmod(index, BLOCK_SIZE)
    return f"{FICTION_ROOTS[block]}{rest:04d}"


def is_fiction_number(number: str) -> bool:
    """Whether ``number`` (E.164) lies in one of the blocks reserved for fiction."""
    return len(number) == 12 and number[8:].isdigit() and number[:8] in FICTION_ROOTS


def draw_senders(
    rng: random.Random, count: int, exclude: frozenset[str] = frozenset()
) -> list[str]:
    """``count`` distinct fiction numbers, in random order, none of them in ``exclude``.

    Drawn from the smallest prefix of the blocks that holds them, so small scenarios stay in
    the mobile block.
    """
    blocks_needed = 1
    while blocks_needed * BLOCK_SIZE - len(exclude) < count:
        blocks_needed += 1
        if blocks_needed > len(FICTION_ROOTS):
            raise ValueError(f"at most {BLOCK_SIZE * len(FICTION_ROOTS)} fiction senders")
    pool = [
        number
        for number in map(fiction_number, range(blocks_needed * BLOCK_SIZE))
        if number not in exclude
    ]
    return rng.sample(pool, count)
