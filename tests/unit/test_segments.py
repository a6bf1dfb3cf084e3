"""The SMS segment counter, checked by hand on the edges and against smsutil."""

from __future__ import annotations

import random

import pytest
import smsutil

from replies.segments import GSM7_BASIC, Encoding, count_segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", Encoding.GSM7, 0, 1),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("é" * 160, Encoding.GSM7, 160, 1),  # é, è, à, ù, ì, ò are in GSM-7
        ("€" * 80, Encoding.GSM7, 160, 1),  # extension characters count twice
        ("€" * 81, Encoding.GSM7, 162, 2),
        ("[]{}^~|\\", Encoding.GSM7, 16, 1),
        ("ê" + "a" * 69, Encoding.UCS2, 70, 1),  # one ê switches everything to UCS-2
        ("ê" + "a" * 70, Encoding.UCS2, 71, 2),
        ("c’est", Encoding.UCS2, 5, 1),  # the curly apostrophe is not GSM-7
        ("ç", Encoding.UCS2, 1, 1),  # only the capital Ç is
        ("Ç", Encoding.GSM7, 1, 1),
        ("😀" * 35, Encoding.UCS2, 70, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, Encoding.UCS2, 72, 2),
    ],
)
def test_counts_units_and_segments(
    text: str, encoding: Encoding, units: int, segments: int
) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_an_escape_sequence_is_never_split_across_parts() -> None:
    # 152 plain characters then '€': the escape pair cannot straddle the 153-septet boundary,
    # so the euro sign opens part two.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).segments == 3


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "ê" * 66 + "😀" + "ê" * 66
    assert count_segments(text).segments == 3


def _random_texts(alphabet: str, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(alphabet, k=rng.randint(1, 480))) for _ in range(count)]


@pytest.mark.parametrize(
    "alphabet",
    [
        "".join(sorted(GSM7_BASIC)),
        "abcdefghij klmnop.,'!ÉÇàé",
        "ab c€[]{}^~|\\",  # extension characters, escape pairs at part boundaries
        "aàâäçéèêëîïôöùûüÿœæ ’«»",  # French typography: UCS-2
        "abc 日本語 ñ",
    ],
    ids=["gsm7-basic", "french-gsm7", "gsm7-extension", "french-ucs2", "mixed-bmp"],
)
def test_agrees_with_smsutil(alphabet: str) -> None:
    for text in _random_texts(alphabet, count=200, seed=len(alphabet)):
        assert count_segments(text).segments == len(smsutil.split(text).parts), text
