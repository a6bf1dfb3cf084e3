"""The pseudonym key of the embedded default: generated once, beside the database."""

from __future__ import annotations

import stat
from pathlib import Path

from bots.secret_key import key_file_for, resolve_secret_key
from bots.settings import Settings


def test_sqlite_generates_a_private_key_file_once(tmp_path: Path) -> None:
    database = tmp_path / "data" / "antirelous.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{database}")
    first = resolve_secret_key(settings)
    again = resolve_secret_key(settings)
    key_file = key_file_for(database)
    assert first == again and len(first) >= 32
    assert key_file.exists() and key_file != database
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_configured_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    database = tmp_path / "antirelous.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{database}", secret_key="k" * 32)
    assert resolve_secret_key(settings) == b"k" * 32
    assert not key_file_for(database).exists()
