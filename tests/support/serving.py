"""``antirelous serve`` as a user runs it: real uvicorn processes on free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SETTING_PREFIXES = ("ANTIRELOUS_", "TWILIO_", "TELEGRAM_", "SLACK_")


def machine_environment() -> dict[str, str]:
    """This machine's environment without any of the service's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(cwd: Path, *args: str, **env: str) -> Iterator[tuple[str, Path]]:
    """Run ``antirelous serve`` until the block ends; yields its base URL and log file."""
    with serving_process(cwd, *args, **env) as (base, log, _):
        yield base, log


@contextmanager
def serving_process(
    cwd: Path, *args: str, **env: str
) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    """``serving``, with the process itself, for a test that kills it."""
    port = _free_port()
    log = cwd / "serve.log"
    clean = machine_environment()
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "bots.cli", "serve", "--port", str(port), *args],
            cwd=cwd,
            env=clean | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("serve did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield base, log, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
