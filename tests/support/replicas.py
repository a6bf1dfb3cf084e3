"""Replicas of the service: real ``antirelous serve`` processes sharing one PostgreSQL."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import SECRET_KEY
from tests.support.databases import migrate_database, postgres_schema, postgres_url
from tests.support.serving import serving_process
from tests.support.twilio import AUTH_TOKEN, PUBLIC_URL, sign

SMS = "/webhooks/twilio/sms"
SLACK_SECRET = "replica-slack-secret-0123456789"
ADMIN = "U0ADMIN"


@dataclass(frozen=True)
class Replica:
    base: str
    log: Path
    process: subprocess.Popen[bytes]


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh schema on the real PostgreSQL, migrated as `antirelous db upgrade` would."""
    with postgres_schema() as schema:
        url = postgres_url(schema)
        migrate_database(url)
        yield url


@contextmanager
def replicas(tmp_path: Path, database: str, **env: str) -> Iterator[list[Replica]]:
    """Two replicas of the service on ``database``, each in a directory of its own."""
    settings = {
        "ANTIRELOUS_DATABASE_URL": database,
        "ANTIRELOUS_SECRET_KEY": SECRET_KEY,
        "ANTIRELOUS_PUBLIC_URL": PUBLIC_URL,
        "ANTIRELOUS_REPLY_DELAY": "0",
        # Bursts of first contacts are what these tests send: money must not pause the line.
        "ANTIRELOUS_AUTO_PAUSE": "0",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SECRET,
        "SLACK_ADMIN_USERS": ADMIN,
    } | env
    with ExitStack() as stack:
        started = []
        for index in range(2):
            cwd = tmp_path / f"replica-{index}"
            cwd.mkdir()
            started.append(Replica(*stack.enter_context(serving_process(cwd, **settings))))
        yield started


async def post_sms(client: httpx.AsyncClient, replica: Replica, fields: dict[str, str]) -> Any:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(PUBLIC_URL + SMS, fields),
    }
    return await client.post(replica.base + SMS, content=urlencode(fields), headers=headers)
