"""The classifier's held-out sets: well formed, large enough, and never edited after the fact."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "abuse"
LABELS = {"ok", "insult", "threat"}
# Pinned when the sets were committed, before the classifier was tuned: see the README there.
SHA256 = {
    "heldout_fr.jsonl": "688de4cdac5e9e21adeb921193cce69b219e6bc66543e2d42a483a39fbd7e493",
    "heldout_en.jsonl": "341ad03aef866f89bf08b54477b7c63eb7e24fa18a04ff758a471ad6b261d078",
    # The second pair, written later by someone who had read neither the lists nor any set.
    "heldout2_fr.jsonl": "1d400c96bcd72ecb14d555ae37511140f3be6beb79cb70ebf1b06ce868a599bf",
    "heldout2_en.jsonl": "603545b23b3fcc32eeda04e999fe2006ccb5400611dbf2737d33d798b69d9528",
    # The third pair, written the same way before the sixth round.
    "heldout3_fr.jsonl": "fb6471be84f7fc2c604f3a009b6926a938efbfaf1b8f4080b9d1d0c15511ce47",
    "heldout3_en.jsonl": "c7702fb6b43cbf3f298b5dfb95f5a4125fc473ab3badd54a4fa8aeacec29da9a",
    # The fourth pair, written the same way before the seventh round.
    "heldout4_fr.jsonl": "161cd5af94096f318bf7c19954d68ac49cdc992321e36bf63c5602daa3c1292b",
    "heldout4_en.jsonl": "6de3e139347469fde2fd87b2dd6843c0bd5bd14b8171cf4d693abd8b2af6908d",
    # The fifth pair, written the same way before the ninth round.
    "heldout5_fr.jsonl": "0cca7bb1557d770c6b2c8024430cd705e0f605b4c6e06416e6c165263337c94a",
    "heldout5_en.jsonl": "5a218a582c01b91b6e5b31f9380fcdd2ea1821268508881927a76710726290a8",
    # The sixth pair, written the same way before the tenth round.
    "heldout6_fr.jsonl": "f36a8d0994407efcd4f9e6b7995fcf959745baed08417d4ed087df1b2c376f00",
    "heldout6_en.jsonl": "33fb6be7fe8dc92e16910d5778dd76739745037e79978e11c8edbe9fa42e9722",
    # The seventh pair, written the same way before the eleventh round.
    "heldout7_fr.jsonl": "1032cd6827e75dea28131acd5d7897da774a1258dc9078180229bfea3ac7620f",
    "heldout7_en.jsonl": "a80718f38be826d4a49ce5efd77580d5781ca33c1388e24de9e76b038ef94827",
    # The eighth pair, written the same way before the twelfth round.
    "heldout8_fr.jsonl": "f588b3f52628a14e6efd04ad5abc385fb0d5415a7d77750ec940af6be89cfa04",
    "heldout8_en.jsonl": "23ec17aff9dc77fc6ecfc371dc956305f272cfd38b17407e89840de6d393076a",
    # The ninth pair, written the same way before the thirteenth round.
    "heldout9_fr.jsonl": "25f350517935438ab97b01259665a07fc777ee78fac3feb5605ae2bfac1ebeda",
    "heldout9_en.jsonl": "4cad5eca72828cc406a18b24ed418e07e373dfc141e4a6c17b47b6479df500e1",
    # The tenth pair, written the same way before the fourteenth round.
    "heldout10_fr.jsonl": "77382e270fd5a6d3aacc0126482e36d623a1445d1e9dbbfa2c806cb8a13a2725",
    "heldout10_en.jsonl": "0216992aab22a0f6100d613402aa849a128e9d82b4bc3a849a3756bfa3d23491",
    # The eleventh pair, written the same way before the fifteenth round.
    "heldout11_fr.jsonl": "9fabcd3bc3b51a1e1d2ab961f3d6a76ff3f9c52ef70713e0dc1ac172fe576800",
    "heldout11_en.jsonl": "4ab7996a9aa395ee3ab2925534ffa318f020569fa06aebb3bbcdab2e10cff6c6",
    # The twelfth pair, written the same way before the sixteenth round.
    "heldout12_fr.jsonl": "1f2bdf8f76b7c5633792ae38df11a3f4348e285afa51c0b044064be8ad1b2e4d",
    "heldout12_en.jsonl": "39fe7c584a839f810dee2293195b837f8e0486da6b04a892b46216e13bd29318",
}


@pytest.mark.parametrize("name", sorted(SHA256))
def test_a_held_out_set_is_well_formed_and_large_enough(name: str) -> None:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert all(set(record) == {"text", "label", "note"} for record in records)
    assert all(record["label"] in LABELS for record in records)
    assert all(1 <= len(record["text"]) <= 200 for record in records)
    assert len({record["text"] for record in records}) == len(records)
    counts = Counter(record["label"] for record in records)
    assert len(records) >= 200 and min(counts[label] for label in LABELS) >= 40


@pytest.mark.parametrize("name", sorted(SHA256))
def test_a_held_out_set_is_unchanged_since_it_was_committed(name: str) -> None:
    assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == SHA256[name]


def test_every_held_out_set_committed_is_pinned() -> None:
    """A set added without its checksum could be edited after tuning unnoticed."""
    committed = {path.name for path in DATA.glob("heldout*.jsonl")}
    assert committed == set(SHA256) == set(SHARED_WITH_TUNING)


# Lines a held-out set shares word for word with the tuning sets, as found when the overlap was
# first counted (short common messages both writers wrote; see the README there). The tuning
# sets only grow: a higher count means a held-out line was added to them.
SHARED_WITH_TUNING = {
    "heldout_fr.jsonl": 52,
    "heldout_en.jsonl": 47,
    "heldout2_fr.jsonl": 34,
    "heldout2_en.jsonl": 35,
    "heldout3_fr.jsonl": 0,
    "heldout3_en.jsonl": 0,
    "heldout4_fr.jsonl": 0,
    "heldout4_en.jsonl": 0,
    "heldout5_fr.jsonl": 0,
    "heldout5_en.jsonl": 0,
    "heldout6_fr.jsonl": 0,
    "heldout6_en.jsonl": 0,
    "heldout7_fr.jsonl": 0,
    "heldout7_en.jsonl": 0,
    "heldout8_fr.jsonl": 0,
    "heldout8_en.jsonl": 0,
    "heldout9_fr.jsonl": 0,
    "heldout9_en.jsonl": 0,
    "heldout10_fr.jsonl": 0,
    "heldout10_en.jsonl": 0,
    "heldout11_fr.jsonl": 0,
    "heldout11_en.jsonl": 0,
    "heldout12_fr.jsonl": 0,
    "heldout12_en.jsonl": 0,
}


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.mark.parametrize("name", sorted(SHARED_WITH_TUNING))
def test_no_held_out_line_was_added_to_a_tuning_set(name: str) -> None:
    tuning = {
        _key(json.loads(line)["text"])
        for file in ("tuning_fr.jsonl", "tuning_en.jsonl")
        for line in (DATA / file).read_text(encoding="utf-8").splitlines()
    }
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    shared = sum(_key(json.loads(line)["text"]) in tuning for line in lines)
    assert shared <= SHARED_WITH_TUNING[name]
