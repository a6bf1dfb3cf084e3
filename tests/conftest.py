"""Fixtures shared by every test: a clean environment, settings, databases and a clock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.settings import Settings
from tests.support.clock import FakeClock
from tests.support.databases import migrate_database, postgres_schema, postgres_url
from tests.support.twilio import AUTH_TOKEN, PUBLIC_URL

SECRET_KEY = "test-pseudonym-key-0123456789abcdef"
SETTING_PREFIXES = ("ANTIRELOUS_", "TWILIO_", "TELEGRAM_", "SLACK_")

SettingsFactory = Callable[..., Settings]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting leaks in from the machine, and no stray .env is read."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'antirelous.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[str]:
    """The same test on the embedded SQLite file and on the real PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    with postgres_schema() as schema:
        url = postgres_url(schema)
        migrate_database(url)  # a shared database is migrated before replicas start
        yield url


@pytest.fixture
def make_settings(sqlite_url: str) -> SettingsFactory:
    """Settings for a configured Twilio line on SQLite; keyword arguments override."""

    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": sqlite_url,
            "secret_key": SECRET_KEY,
            "public_url": PUBLIC_URL,
            "twilio_auth_token": AUTH_TOKEN,
            "reply_delay": "0",  # inline replies, unless a test is about the outbox
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return factory
