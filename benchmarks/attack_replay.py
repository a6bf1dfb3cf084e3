"""Attack replay benchmark: a fresh ``antirelous serve`` under one of the ``simulate`` scenarios.

Starts the service as a user would (a subprocess on a free loopback port, SQLite in a
temporary directory, a Twilio token and public URL so that every webhook is signed and
checked, replies inline by default), with the daily budget and automatic pause asked for,
then runs ``antirelous simulate`` against it with the same settings (so that it reads the
same database) and prints the simulator's report. No Slack is configured: alerts stay in
the ``alert`` table, which is where the report reads them.

    .venv/bin/python benchmarks/attack_replay.py 2017 [--budget 20] [--auto-pause 1]
        [--auto-pause-cooldown off]
        [--speed 60] [--minutes M] [--reply-delay 0] [--concurrency 32] [--seed 2017]
        [--json] [--keep]

Examples: the whole 2017 raid in four minutes, then its first ten minutes at the real rate
(to measure how soon the spike alert fires), then a botnet with automatic pause off:

    .venv/bin/python benchmarks/attack_replay.py 2017
    .venv/bin/python benchmarks/attack_replay.py 2017 --speed 1 --minutes 10
    .venv/bin/python benchmarks/attack_replay.py botnet --auto-pause 0 --budget 50
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://replay.antirelous.example"
SCENARIOS = ("2017", "botnet", "well-wishers")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.serving import machine_environment, serving  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--budget", default="20", help="ANTIRELOUS_DAILY_BUDGET_EUR")
    parser.add_argument(
        "--auto-pause", default="1", choices=("0", "1"), help="ANTIRELOUS_AUTO_PAUSE"
    )
    parser.add_argument(
        "--auto-pause-cooldown", default="off", help="ANTIRELOUS_AUTO_PAUSE_COOLDOWN, e.g. 15m"
    )
    parser.add_argument("--reply-delay", default="0", help="ANTIRELOUS_REPLY_DELAY")
    parser.add_argument("--speed", default="60")
    parser.add_argument("--minutes", help="replay only the first M scenario minutes")
    parser.add_argument("--concurrency", default="32")
    parser.add_argument("--seed", default="2017")
    parser.add_argument("--settle", default="5", help="seconds for the server's jobs after")
    parser.add_argument("--json", action="store_true", help="the report as one JSON object")
    parser.add_argument("--keep", action="store_true", help="keep the database and the log")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="antirelous-replay-"))
    settings = {
        "ANTIRELOUS_DATABASE_URL": f"sqlite:///{workdir / 'replay.db'}",
        "ANTIRELOUS_SECRET_KEY": "attack-replay-key-0123456789abcdef",
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_REPLY_DELAY": args.reply_delay,
        "ANTIRELOUS_DAILY_BUDGET_EUR": args.budget,
        "ANTIRELOUS_AUTO_PAUSE": args.auto_pause,
        "ANTIRELOUS_AUTO_PAUSE_COOLDOWN": args.auto_pause_cooldown,
        "TWILIO_AUTH_TOKEN": TOKEN,
    }
    print(
        f"budget {args.budget} EUR, automatic pause {'on' if args.auto_pause == '1' else 'off'} "
        f"(cool-down {args.auto_pause_cooldown}), reply delay {args.reply_delay}",
        file=sys.stderr,
    )
    simulate = [
        sys.executable, "-m", "bots.cli", "simulate", args.scenario,
        "--speed", args.speed, "--concurrency", args.concurrency, "--seed", args.seed,
        "--settle", args.settle,
    ]  # fmt: skip
    if args.minutes:
        simulate += ["--minutes", args.minutes]
    if args.json:
        simulate.append("--json")
    try:
        with serving(workdir, **settings) as (url, _log):
            env = machine_environment() | settings  # simulate reads the same database
            status = subprocess.run([*simulate, "--url", url], cwd=workdir, env=env).returncode
    finally:
        if args.keep:
            print(f"database and server log kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
