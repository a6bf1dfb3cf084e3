"""What the abuse shield costs the webhook: this tree against the last one without the shield.

The baseline is checked out into a temporary git worktree (default: the commit before the
classifier, the flood check, the evidence and the spike detector were added) and served
exactly like this tree: one uvicorn worker pinned to CPU 0, SQLite, replies queued, every
request a signed first contact from a new sender. For each, the top throughput (median of
closed-loop runs) and the latency at one fixed open-loop rate, the same for both (the run
with the median p99 of as many).

    .venv/bin/python benchmarks/shield_cost.py [--baseline REV] [--rate 900] [--requests 20000]

Automatic pause is off on both (so that every request takes the full path: with it on, the
detector pauses the line within a minute of such a load, and the cheaper "paused" path would
flatter the shield). The spike detector runs, as it would in production.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Result
from webhook_load import CLIENT_CPU, PUBLIC_URL, ROOT, TOKEN, Runs, server

#: The last commit before the shield.
PRE_SHIELD = "9f606ec"


def measure_tree(tree: Path, workdir: Path, runs: Runs, repeat: int, rate: float) -> list[Result]:
    """Top throughput and latency at ``rate`` of the service as ``tree`` has it."""
    env = {
        "ANTIRELOUS_DATABASE_URL": f"sqlite:///{workdir / (tree.name + '.db')}",
        "ANTIRELOUS_SECRET_KEY": "benchmark-key-0123456789abcdef",
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_DAILY_BUDGET_EUR": "1000000",
        "ANTIRELOUS_AUTO_PAUSE": "0",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PYTHONPATH": str(tree),  # this tree's packages before the installed ones
    }
    command = [sys.executable, "-m", "bots.cli", "serve", "--port", "{port}"]
    with server(command, env, workdir) as port:  # the server's log goes to workdir
        top = runs.top(port, repeat)
        # A p99 of one run swings by a few milliseconds: keep the median of ``repeat`` runs.
        at_rate = sorted((runs.at(port, rate) for _ in range(repeat)), key=_p99)
        return [top, at_rate[len(at_rate) // 2]]


def _p99(result: Result) -> float:
    return result.percentile(99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default=PRE_SHIELD, help="git revision without the shield")
    parser.add_argument("--rate", type=float, default=900.0, help="open-loop requests/s")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    workdir = Path(tempfile.mkdtemp(prefix="antirelous-shield-"))
    baseline = workdir / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
        check=True,
        capture_output=True,
    )
    runs = Runs(args.requests, args.connections)
    try:
        rows = {
            f"without the shield ({args.baseline})": measure_tree(
                baseline, workdir, runs, args.repeat, args.rate
            ),
            "with the shield (this tree)": measure_tree(
                ROOT, workdir, runs, args.repeat, args.rate
            ),
        }
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)])
        shutil.rmtree(workdir, ignore_errors=True)
    (before_top, before_at), (after_top, after_at) = rows.values()
    p99_cost = after_at.percentile(99) / before_at.percentile(99) - 1
    print(json.dumps({name: [r.summary() for r in rs] for name, rs in rows.items()}, indent=2))
    print("\n| server | mode | requests | errors | req/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, results in rows.items():
        for result in results:
            print(f"| {name} | {' | '.join(str(v) for v in result.summary().values())} |")
    print(f"\nthroughput: {after_top.rate / before_top.rate:.2f} of the baseline's")
    print(f"p99 at {args.rate:.0f} req/s: {p99_cost:+.0%} (target: at most +20 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
