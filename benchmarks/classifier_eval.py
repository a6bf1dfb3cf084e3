"""How well, and how fast, the abuse classifier labels the tuning and held-out sets.

For each set and language: precision and recall of ``insult`` and ``threat``, the share of
``ok`` messages labelled abusive (false positives), and the speed of one call (median and p99
in microseconds, over the ok messages of all sets and over every message). ``--errors`` lists
the messages it got wrong, for the tuning sets only: the held-out sets are for measuring. Each
held-out set is also scored without its lines that a tuning set holds word for word.
``--cold`` also times each ok message once with the CPU caches evicted before it, closer to
what a call costs inside the serving process (see ``Evictor``).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replies.abuse import Classifier, build_classifier  # noqa: E402

DATA = ROOT / "tests" / "data" / "abuse"


def _set_order(path: Path) -> tuple[int, int]:
    """Tuning sets first, then the held-out pairs in the order they were written, fr then en."""
    kind, _, language = path.stem.rpartition("_")
    rank = -1 if kind == "tuning" else int(kind.removeprefix("heldout") or 1)
    return rank, language != "fr"


#: Every set in the data folder: a new held-out pair is measured as soon as it is committed.
SETS = tuple(path.stem for path in sorted(DATA.glob("*.jsonl"), key=_set_order))

ABUSIVE = ("insult", "threat")


def load(name: str) -> list[dict[str, str]]:
    """One set's records."""
    lines = (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def unseen(records: list[dict[str, str]], tuning: set[str]) -> list[dict[str, str]]:
    """The records whose text is not, word for word, a line of a tuning set.

    Short common messages ("connard", "je vais te tuer") occur in both kinds of set: the lists
    were tuned on them, so the held-out figures are also given without them.
    """
    return [r for r in records if _key(r["text"]) not in tuning]


def scores(classify: Classifier, records: list[dict[str, str]]) -> dict[str, float]:
    """Precision and recall per abusive label, and the false-positive rate on ``ok``."""
    pairs = [(r["label"], classify(r["text"]).label.value) for r in records]
    figures: dict[str, float] = {}
    for label in ABUSIVE:
        hits = sum(1 for truth, guess in pairs if truth == guess == label)
        guessed = sum(1 for _, guess in pairs if guess == label)
        actual = sum(1 for truth, _ in pairs if truth == label)
        figures[f"{label}_precision"] = hits / guessed if guessed else 1.0
        figures[f"{label}_recall"] = hits / actual if actual else 1.0
    oks = [guess for truth, guess in pairs if truth == "ok"]
    figures["ok_false_positive_rate"] = sum(1 for g in oks if g != "ok") / len(oks)
    return figures


def median_and_p99(timings: list[float]) -> tuple[float, float]:
    """The median and the 99th percentile of ``timings``."""
    timings = sorted(timings)
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def speed(classify: Classifier, texts: list[str], rounds: int) -> tuple[float, float]:
    """Median and p99 microseconds per call, each text timed ``rounds`` times."""
    timings: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            classify(text)
            timings.append((time.perf_counter_ns() - start) / 1000)
    return median_and_p99(timings)


class Evictor:
    """Evicts the CPU caches between two calls, as a serving process does between two messages.

    In a loop the classifier's dictionaries, pattern objects and compiled regexes stay in the
    caches; in the server, parsing, signing and the database evict them between two messages,
    and the same call took about three times as long. Reading a megabyte of other Python
    objects and writing a byte of each page of 32 MB brings the loop close to that.
    """

    def __init__(self) -> None:
        self._objects = [{str(i * 64 + j): j for j in range(50)} for i in range(20_000)]
        self._pages = bytearray(32 * 1024 * 1024)
        self._random = random.Random(1)

    def __call__(self) -> int:
        total = sum(sum(d.values()) for d in self._random.sample(self._objects, 400))
        self._pages[::4096] = bytes(len(self._pages) // 4096)
        return total


def cold_speed(classify: Classifier, texts: list[str]) -> tuple[float, float]:
    """Median and p99 CPU microseconds per call, each call after the caches were evicted."""
    evict = Evictor()
    timings: list[float] = []
    for text in texts:
        evict()
        start = time.thread_time_ns()
        classify(text)
        timings.append((time.thread_time_ns() - start) / 1000)
    return median_and_p99(timings)


def row(classify: Classifier, name: str, records: list[dict[str, str]]) -> None:
    """One line of the table: the set's size and counts, then its scores."""
    counts = Counter(r["label"] for r in records)
    f = scores(classify, records)
    print(
        f"| {name} | {len(records)} | {counts['ok']}/{counts['insult']}/{counts['threat']} "
        f"| {f['insult_precision']:.3f} | {f['insult_recall']:.3f} "
        f"| {f['threat_precision']:.3f} | {f['threat_recall']:.3f} "
        f"| {f['ok_false_positive_rate']:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50, help="timed passes over the texts")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--errors", action="store_true", help="list the tuning sets' errors")
    parser.add_argument(
        "--cold", action="store_true", help="also time calls with the CPU caches evicted"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    classify = build_classifier()
    print(f"build_classifier(): {(time.perf_counter() - start) * 1000:.0f} ms")
    print(
        "| set | messages | ok/insult/threat | insult P | insult R | threat P | threat R | ok FP |"
    )
    print("|---|---|---|---|---|---|---|---|")
    everything: list[dict[str, str]] = []
    tuning = {_key(r["text"]) for name in ("tuning_fr", "tuning_en") for r in load(name)}
    for name in args.sets:
        records = load(name)
        everything += records
        row(classify, name, records)
        if name.startswith("heldout"):
            row(classify, f"{name}, not in a tuning set", unseen(records, tuning))
        if args.errors and name.startswith("tuning"):
            for r in records:
                got = classify(r["text"])
                if got.label.value != r["label"]:
                    print(f"    {r['label']} -> {got.label.value} {got.evidence}: {r['text']}")
    ok_median, ok_p99 = speed(
        classify, [r["text"] for r in everything if r["label"] == "ok"], args.rounds
    )
    all_median, all_p99 = speed(classify, [r["text"] for r in everything], args.rounds)
    print(f"speed, ok messages: median {ok_median:.1f} µs, p99 {ok_p99:.1f} µs")
    print(f"speed, all messages: median {all_median:.1f} µs, p99 {all_p99:.1f} µs")
    if args.cold:
        cold_median, cold_p99 = cold_speed(
            classify, [r["text"] for r in everything if r["label"] == "ok"]
        )
        print(f"speed, ok messages, caches evicted: median {cold_median:.1f} µs, ", end="")
        print(f"p99 {cold_p99:.1f} µs")


if __name__ == "__main__":
    main()
