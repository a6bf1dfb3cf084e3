"""A lock that one process in the whole deployment may hold: PostgreSQL's advisory lock.

Some work must never run twice at once across replicas, and is not tied to a row: Telegram
long-polling is one (two pollers steal each other's updates, and Telegram answers the second
with a conflict). The lock lives as long as the connection that took it, so a replica that
dies releases it. SQLite serves one process, which always holds it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, text

from storage.errors import outages_as_unavailable


def _lock_id(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (Python's ``hash`` differs between processes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class SingletonLock:
    """``acquire`` once; hold until ``release`` or until the process ends."""

    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self._key = _lock_id(name)
        self._connection: Any = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; ``False`` if another process does."""
        if self._engine.dialect.name != "postgresql":
            return True
        with outages_as_unavailable():
            connection = self._engine.connect()
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar()
            connection.commit()  # the lock is the session's, not the transaction's
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()  # ends the session, and with it the lock
            self._connection = None
