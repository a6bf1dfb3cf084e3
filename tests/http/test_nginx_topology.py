"""The compose topology without Docker: Debian's nginx, with docker/nginx.conf, in front of two
real ``antirelous serve`` replicas on the real PostgreSQL."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.replicas import Replica, post_sms, replicas
from tests.support.replicas import database as database  # a fixture
from tests.support.twilio import message_fields, new_number

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DOCKER = Path(__file__).resolve().parents[2] / "docker"

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists(), reason="needs Debian's nginx (.ci/run installs it)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_conf(upstreams: list[str], port: int, workdir: Path) -> str:
    """docker/nginx.conf with the compose service names replaced by local addresses."""
    conf = (DOCKER / "nginx.conf").read_text()
    for service, address in zip(("app-1:8000", "app-2:8000"), upstreams, strict=True):
        conf = conf.replace(f"server {service}", f"server {address}")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    assert not re.search(r"server app-\d", conf)
    return f"pid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'};\n" + conf


@contextmanager
def nginx_in_front(pair: list[Replica], workdir: Path) -> Iterator[str]:
    port = _free_port()
    upstreams = [replica.base.removeprefix("http://") for replica in pair]
    workdir.mkdir()
    conf = workdir / "nginx.conf"
    conf.write_text(local_conf(upstreams, port, workdir))
    command = [NGINX, "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf)]
    process = subprocess.Popen([*command, "-g", "daemon off;"])  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def served_by(replica: Replica) -> float:
    """How many messages ``replica`` decided, read from its own /metrics (loopback, direct)."""
    metrics = httpx.get(replica.base + "/metrics").text
    found = re.findall(r"^antirelous_inbound_messages_total\{[^}]*\} (\S+)$", metrics, re.M)
    return sum(float(value) for value in found)


async def test_signed_webhooks_through_the_proxy_spread_over_both_replicas(
    tmp_path: Path, database: str
) -> None:
    with replicas(tmp_path, database) as pair, nginx_in_front(pair, tmp_path / "nginx") as proxy:
        front = Replica(proxy, pair[0].log, pair[0].process)
        async with httpx.AsyncClient(timeout=10) as client:
            answers = [
                await post_sms(client, front, message_fields(new_number())) for _ in range(20)
            ]
            metrics = await client.get(proxy + "/metrics")
        shares = [served_by(replica) for replica in pair]
    assert all(a.status_code == 200 and "<Message>" in a.text for a in answers)
    assert sum(shares) == 20 and min(shares) > 0
    # The proxy forwards the client's address: the replica does not take it for loopback.
    assert metrics.status_code == 403


async def test_when_a_replica_dies_the_proxy_sends_everything_to_the_other(
    tmp_path: Path, database: str
) -> None:
    with replicas(tmp_path, database) as pair, nginx_in_front(pair, tmp_path / "nginx") as proxy:
        pair[0].process.kill()
        pair[0].process.wait()
        front = Replica(proxy, pair[1].log, pair[1].process)
        async with httpx.AsyncClient(timeout=10) as client:
            answers = [
                await post_sms(client, front, message_fields(new_number())) for _ in range(10)
            ]
        survivor = served_by(pair[1])
    assert [a.status_code for a in answers] == [200] * 10
    assert all("<Message>" in a.text for a in answers)
    assert survivor == 10
