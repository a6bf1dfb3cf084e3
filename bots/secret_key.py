"""The key behind every sender pseudonym.

On PostgreSQL the key must be given (every replica needs the same one). On SQLite, for the
embedded default, it is generated once into a file beside the database, never inside it: a
copy of the database alone does not reveal who wrote.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bots.settings import ConfigurationError, Settings
from storage.engine import is_sqlite, sqlite_path

MIN_KEY_BYTES = 16


def key_file_for(database: Path) -> Path:
    """Where the generated key of an SQLite database lives."""
    return database.with_name(database.name + ".secret")


def _read_or_create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return path.read_bytes().strip()


def resolve_secret_key(settings: Settings) -> bytes:
    """The pseudonym key: ``ANTIRELOUS_SECRET_KEY``, or on SQLite the generated key file."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
    elif is_sqlite(settings.database_url) and (path := sqlite_path(settings.database_url)):
        path.parent.mkdir(parents=True, exist_ok=True)
        key = _read_or_create(key_file_for(path))
    else:
        raise ConfigurationError(
            "ANTIRELOUS_SECRET_KEY is required on this database (every replica must use the "
            "same key); generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if len(key) < MIN_KEY_BYTES:
        raise ConfigurationError(f"ANTIRELOUS_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes")
    return key
