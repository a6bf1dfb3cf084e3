"""Load benchmark: the signed SMS webhook on SQLite, and on PostgreSQL with one and two replicas.

Each configuration starts fresh ``antirelous serve`` processes (SQLite in a temporary file;
PostgreSQL in a schema of its own on 127.0.0.1:5432, migrated first as ``antirelous db
upgrade`` would), then, with every request a signed first contact from a new number:
closed-loop runs for the top throughput (median kept) and an open-loop run at one fixed rate
for the latency. With two replicas the load generator splits the connections and the requests
evenly between them, as a proxy in front would. Nothing is pinned: the replicas, PostgreSQL
and the load generator share the machine's cores, as they would on one host.

    .venv/bin/python benchmarks/replicas_load.py [--requests 20000] [--rate 600] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Result, closed_loop, open_loop, signed_requests
from webhook_load import PUBLIC_URL, ROOT, TOKEN

sys.path.insert(0, str(ROOT))
from storage import migrate
from storage.engine import create_db_engine
from tests.support.serving import serving

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A migrated schema of its own on the local PostgreSQL, dropped afterwards."""
    schema = "bench_" + secrets.token_hex(4)
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_ADMIN}?options=-csearch_path%3D{schema}"
    engine = create_db_engine(url, pool_size=1)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def combine(parts: list[Result]) -> Result:
    """One result for runs that went on at the same time against different replicas."""
    return Result(
        parts[0].mode,
        sum(p.requests for p in parts),
        max(p.seconds for p in parts),
        [latency for p in parts for latency in p.latencies_ms],
        sum(p.errors for p in parts),
    )


class Load:
    """Hands out disjoint sender ranges (every request a first contact) and runs the loops."""

    def __init__(self, total: int, connections: int) -> None:
        self.total, self.connections, self.next = total, connections, 0

    def _requests(self, ports: list[int]) -> list[list[bytes]]:
        share = self.total // len(ports)
        batches = []
        for port in ports:
            batches.append(
                signed_requests(share, "127.0.0.1", port, PUBLIC_URL, TOKEN, first=self.next)
            )
            self.next += share
        return batches

    async def _run(self, ports: list[int], rate: float | None) -> Result:
        each = self.connections // len(ports)
        batches = self._requests(ports)
        if rate is None:
            runs = [
                closed_loop("127.0.0.1", p, b, each) for p, b in zip(ports, batches, strict=True)
            ]
        else:
            share = rate / len(ports)
            runs = [
                open_loop("127.0.0.1", p, b, share, each)
                for p, b in zip(ports, batches, strict=True)
            ]
        return combine(list(await asyncio.gather(*runs)))

    def top(self, ports: list[int], repeat: int) -> Result:
        asyncio.run(self._run(ports, None))  # warm-up
        results = sorted((asyncio.run(self._run(ports, None)) for _ in range(repeat)), key=_rate)
        return results[len(results) // 2]

    def at(self, ports: list[int], rate: float) -> Result:
        return asyncio.run(self._run(ports, rate))


def _rate(result: Result) -> float:
    return result.rate


def measure(
    name: str, url: str, replicas: int, load: Load, args: argparse.Namespace
) -> dict[str, Any]:
    env = {
        "ANTIRELOUS_DATABASE_URL": url,
        "ANTIRELOUS_SECRET_KEY": "benchmark-key-0123456789abcdef",
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_DAILY_BUDGET_EUR": "1000000",
        "ANTIRELOUS_AUTO_PAUSE": "0",
        "ANTIRELOUS_DB_POOL_SIZE": str(args.pool_size),
        "TWILIO_AUTH_TOKEN": TOKEN,
    }
    workdir = Path(tempfile.mkdtemp(prefix="antirelous-replicas-"))
    try:
        with ExitStack() as stack:
            ports = []
            for index in range(replicas):
                cwd = workdir / f"replica-{index}"
                cwd.mkdir()
                base, _log = stack.enter_context(serving(cwd, **env))
                ports.append(int(base.rsplit(":", 1)[1]))
            top = load.top(ports, args.repeat)
            at = load.at(ports, args.rate)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"configuration": name, "top": top.summary(), "at_rate": at.summary()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=600.0, help="open-loop requests/s")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=10, help="ANTIRELOUS_DB_POOL_SIZE")
    args = parser.parse_args()
    load = Load(args.requests, args.connections)
    workdir = Path(tempfile.mkdtemp(prefix="antirelous-sqlite-"))
    rows = [measure("SQLite, 1 replica", f"sqlite:///{workdir / 'bench.db'}", 1, load, args)]
    shutil.rmtree(workdir, ignore_errors=True)
    for replicas in (1, 2):
        with postgres_database() as url:
            name = f"PostgreSQL, {replicas} replica{'s' if replicas > 1 else ''}"
            rows.append(measure(name, url, replicas, load, args))
    print(json.dumps(rows, indent=2))
    print("\n| configuration | top req/s | p50 ms | p99 ms | at req/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        top, at = row["top"], row["at_rate"]
        print(
            f"| {row['configuration']} | {top['req_per_s']} | {top['p50_ms']} | "
            f"{top['p99_ms']} | {at['req_per_s']} | {at['p50_ms']} | {at['p99_ms']} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
