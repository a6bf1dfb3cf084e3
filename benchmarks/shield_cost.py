"""What the abuse shield costs the webhook: this tree against the last one without the shield.

The baseline is checked out into a temporary git worktree (default: the commit before the
classifier, the flood check, the evidence and the spike detector were added) and served
exactly like this tree: one uvicorn worker pinned to CPU 0, SQLite, replies queued, every
request a signed first contact from a new sender.

On this shared virtual machine one run's p99 swings by several times from one minute to the
next, whichever tree is served, so a run of one then a run of the other compares minutes, not
trees. Both servers therefore stay up and take turns: while one is measured the other is
stopped (SIGSTOP: none of its threads, jobs included, runs), and the turns are short and many,
so that whatever the machine does hits both alike. Each turn sends ``--segment`` first
contacts after a short warm-up, at ``--load`` times the baseline's top throughput (or at
``--rate``); the report gives each tree's p99 over all its turns, the median of its turns'
p99, and the top throughput (closed loop, median of three, also taken in turns).

    .venv/bin/python benchmarks/shield_cost.py [--turns 12] [--load 0.45] [--database-dir DIR]

``--database-dir /dev/shm`` keeps the SQLite files in memory, taking the disk's own latency
out of both. Automatic pause is off on both (so that every request takes the full path: with
it on, the detector pauses the line within a minute of such a load, and the cheaper "paused"
path would flatter the shield). The spike detector runs, as in production: this load is a
flood to it, so it alerts and updates its alert on every run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Result
from webhook_load import CLIENT_CPU, PUBLIC_URL, ROOT, TOKEN, Runs, server_process

#: The last commit before the shield.
PRE_SHIELD = "9f606ec"
TOP_RUNS = 3
RESAMPLES = 10_000
T = TypeVar("T")


def environment(database: Path, tree: Path) -> dict[str, str]:
    """The settings both trees are served with."""
    return {
        "ANTIRELOUS_DATABASE_URL": f"sqlite:///{database}",
        "ANTIRELOUS_SECRET_KEY": "benchmark-key-0123456789abcdef",
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_DAILY_BUDGET_EUR": "1000000",
        "ANTIRELOUS_AUTO_PAUSE": "0",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PYTHONPATH": str(tree),  # this tree's packages before the installed ones
    }


def in_turns(
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]],
    turns: int,
    measure: Callable[[int], T],
    phase: str,
) -> dict[str, list[T]]:
    """``measure(port)`` of each server ``turns`` times, one server awake at a time."""
    found: dict[str, list[T]] = {name: [] for name in servers}
    for turn in range(turns):
        for name, (port, process) in servers.items():
            process.send_signal(signal.SIGCONT)
            found[name].append(measure(port))
            process.send_signal(signal.SIGSTOP)
        print(f"{phase}: turn {turn + 1} of {turns}", file=sys.stderr, flush=True)
    return found


def take_turns(
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]],
    runs: Runs,
    turns: int,
    rate: float | None,
    load: float,
) -> tuple[dict[str, list[float]], dict[str, list[Result]], float]:
    """Top throughputs, then ``turns`` open-loop segments per server, one server awake at once.

    Without a ``rate``, the segments run at ``load`` times the baseline's top throughput (the
    first server's): the same share of capacity whatever the machine's speed at the time, since a
    rate near capacity measures queueing, not the cost of a request.
    """
    for _, process in servers.values():
        process.send_signal(signal.SIGSTOP)
    tops = in_turns(servers, TOP_RUNS, lambda port: runs.top(port, 1).rate, "top throughput")
    at = rate or load * statistics.median(next(iter(tops.values())))
    segments = in_turns(servers, turns, lambda port: runs.at(port, at), f"at {at:.0f} req/s")
    return tops, segments, at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=PRE_SHIELD, help="git revision without the shield")
    parser.add_argument("--rate", type=float, help="open-loop requests/s (default: --load)")
    parser.add_argument(
        "--load", type=float, default=0.45, help="open-loop rate, a share of the baseline's top"
    )
    parser.add_argument("--segment", type=int, default=9000, help="requests per turn")
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-dir", type=Path, help="where the SQLite files go")
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    workdir = Path(tempfile.mkdtemp(prefix="antirelous-shield-"))
    databases = Path(tempfile.mkdtemp(prefix="antirelous-shield-", dir=args.database_dir))
    baseline = workdir / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
        check=True,
        capture_output=True,
    )
    trees = {f"without the shield ({args.baseline})": baseline, "with the shield": ROOT}
    command = [sys.executable, "-m", "bots.cli", "serve", "--port", "{port}"]
    try:
        with ExitStack() as stack:
            servers = {
                name: stack.enter_context(
                    server_process(command, environment(databases / f"{i}.db", tree), workdir)
                )
                for i, (name, tree) in enumerate(trees.items())
            }
            runs = Runs(args.segment, args.connections)
            tops, segments, rate = take_turns(servers, runs, args.turns, args.rate, args.load)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)])
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(databases, ignore_errors=True)
    report(tops, segments, rate)
    return 0


def report(tops: dict[str, list[float]], segments: dict[str, list[Result]], rate: float) -> None:
    """Each tree's throughput and p99s, and the shield's cost on each."""
    turn_p99 = {name: [r.percentile(99) for r in results] for name, results in segments.items()}
    figures = {}
    print("\n| server | top req/s | p50 ms | p99 ms, all turns | median of the turns' p99 |")
    print("|---|---|---|---|---|")
    for name, results in segments.items():
        pooled = Result("pooled", 0, 1.0, [ms for r in results for ms in r.latencies_ms], 0)
        figures[name] = (
            statistics.median(tops[name]),
            pooled.percentile(99),
            statistics.median(turn_p99[name]),
        )
        top, p99, median_p99 = figures[name]
        print(
            f"| {name} | {top:,.0f} | {pooled.percentile(50):.2f} | {p99:.1f} | {median_p99:.1f} |"
        )
    (top_before, p99_before, median_before), (top_after, p99_after, median_after) = figures.values()
    print(f"\nthroughput: {top_after / top_before:.2f} of the baseline's")
    print(f"p99 at {rate:.0f} req/s over all turns: {p99_after / p99_before - 1:+.0%}")
    low, high = cost_interval(*turn_p99.values())
    cost = median_after / median_before - 1
    print(f"median of the turns' p99: {cost:+.0%} (target: +20 % at most)")
    print(f"  the same turns drawn again, 90 % of the costs: {low:+.0%} to {high:+.0%}")
    each = {name: [round(ms, 1) for ms in p99s] for name, p99s in turn_p99.items()}
    print(json.dumps({"p99_per_turn_ms": each}))


def cost_interval(before: list[float], after: list[float]) -> tuple[float, float]:
    """How far the median-of-turns cost could have landed elsewhere, from the turns' p99s alone.

    A run is a dozen turns of each tree, and one turn hit by a stall of the machine moves a
    median of a dozen: the turns are drawn again with replacement (the same draw for both trees,
    since a turn of one and the next of the other share the machine's minute), and the cost
    recomputed each time. The 5th and 95th percentiles of those costs say how much of a run's
    figure is the tree and how much the machine; a run whose range spans the target decides
    nothing on its own.
    """
    draw = random.Random(0)
    turns = range(min(len(before), len(after)))
    costs = []
    for _ in range(RESAMPLES):
        chosen = draw.choices(turns, k=len(turns))
        median_before = statistics.median(before[t] for t in chosen)
        median_after = statistics.median(after[t] for t in chosen)
        costs.append(median_after / median_before - 1)
    costs.sort()
    return costs[RESAMPLES * 5 // 100], costs[RESAMPLES * 95 // 100]


if __name__ == "__main__":
    sys.exit(main())
