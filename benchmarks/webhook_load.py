"""Load benchmark: the signed SMS webhook against a bare FastAPI endpoint.

Each server runs as one uvicorn worker pinned to CPU 0; this load generator pins itself to
CPU 1. For each server: a closed-loop run for the top throughput, then an open-loop run at
half the full path's top throughput, for latency. Prints a JSON report and a Markdown table.

    .venv/bin/python benchmarks/webhook_load.py [--requests 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Result, closed_loop, open_loop, signed_requests

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://bench.antirelous.example"
SERVER_CPU, CLIENT_CPU = "0", "1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(
    command: list[str], env: dict[str, str], cwd: Path
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run ``command`` (with ``{port}`` filled in) pinned to the server CPU until ready; yield
    its port and its process (to pause it with SIGSTOP while another server is measured)."""
    port = _free_port()
    argv = ["taskset", "-c", SERVER_CPU, *[part.format(port=port) for part in command]]
    log = cwd / f"server-{port}.log"
    with log.open("w") as out:  # a pipe nobody reads would fill up and stall the server
        process = subprocess.Popen(
            argv, cwd=cwd, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield port, process
    finally:
        process.send_signal(signal.SIGCONT)  # a paused server would never hear the SIGTERM
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def server(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[int]:
    """Run ``command`` (with ``{port}`` filled in) pinned to the server CPU until ready."""
    with server_process(command, env, cwd) as (port, _process):
        yield port


def measure(port: int, total: int, connections: int, rate: float | None, first: int) -> Result:
    """One run of ``total`` first contacts, numbered from ``first``, after a warm-up."""
    requests = signed_requests(total, "127.0.0.1", port, PUBLIC_URL, TOKEN, first=first)
    warmup = signed_requests(1000, "127.0.0.1", port, PUBLIC_URL, TOKEN, first=first + total)
    asyncio.run(closed_loop("127.0.0.1", port, warmup, connections))
    if rate is None:
        return asyncio.run(closed_loop("127.0.0.1", port, requests, connections))
    return asyncio.run(open_loop("127.0.0.1", port, requests, rate, connections))


class Runs:
    """Hands out disjoint sender ranges, so that every request is a first contact."""

    def __init__(self, total: int, connections: int) -> None:
        self.total, self.connections, self.next = total, connections, 0

    def top(self, port: int, repeat: int) -> Result:
        """The median of ``repeat`` closed-loop runs, by throughput."""
        results = sorted((self._run(port, None) for _ in range(repeat)), key=lambda r: r.rate)
        return results[len(results) // 2]

    def at(self, port: int, rate: float) -> Result:
        return self._run(port, rate)

    def _run(self, port: int, rate: float | None) -> Result:
        first, self.next = self.next, self.next + self.total + 1000
        return measure(port, self.total, self.connections, rate, first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="closed-loop runs; median kept")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument(
        "--reply-delay", default="20m-60m", help="the service's default: replies are queued"
    )
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(CLIENT_CPU)})
    workdir = Path(tempfile.mkdtemp(prefix="antirelous-bench-"))
    full_env = {
        "ANTIRELOUS_DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.db'}",
        "ANTIRELOUS_SECRET_KEY": "benchmark-key-0123456789abcdef",
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_DAILY_BUDGET_EUR": "1000000",  # every message is a paid first contact
        "TWILIO_AUTH_TOKEN": TOKEN,
        "ANTIRELOUS_REPLY_DELAY": args.reply_delay,
    }
    full_cmd = [sys.executable, "-m", "bots.cli", "serve", "--port", "{port}"]
    bare_cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bare_app:app",
        "--port",
        "{port}",
        "--app-dir",
        str(ROOT / "benchmarks"),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    runs = Runs(args.requests, args.connections)
    try:
        with server(full_cmd, full_env, workdir) as port:
            full_top = runs.top(port, args.repeat)
            half = full_top.rate / 2
            full_half = runs.at(port, half)
        with server(bare_cmd, {}, workdir) as port:
            bare_top = runs.top(port, args.repeat)
            bare_half = runs.at(port, half)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = round(full_top.rate / bare_top.rate, 2)
    rows = {"bare": [bare_top, bare_half], "full": [full_top, full_half]}
    print(
        json.dumps(
            {name: [r.summary() for r in rs] for name, rs in rows.items()}
            | {"full_over_bare": ratio},
            indent=2,
        )
    )
    print("\n| server | mode | requests | errors | req/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, results in rows.items():
        for result in results:
            print(f"| {name} | {' | '.join(str(v) for v in result.summary().values())} |")
    print(f"\nfull path / bare endpoint throughput: {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
