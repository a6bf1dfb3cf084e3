"""Write transactions that queue on the process's writer lock.

SQLite has one writer at a time. The responder's transactions hold a lock of this process
while they write (``SqlReplyStore.writer_lock``); every other writer of the process (the
outbox, alerts, the spike detector, the job claims, the controls) takes the same lock, so that
they queue on it and are woken at once, instead of waiting in SQLite's busy handler, which
sleeps in steps of milliseconds and would hold a webhook up that long. On PostgreSQL the lock
is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql, sqlite

from storage.errors import outages_as_unavailable


class Writes:
    """``begin()``: a write transaction on ``engine`` under ``writer_lock``; ``insert``: the
    dialect's INSERT, which has ``on_conflict_do_nothing``/``_update`` on both databases."""

    def __init__(
        self, engine: Engine, writer_lock: AbstractContextManager[object] | None = None
    ) -> None:
        self._engine = engine
        self._lock = writer_lock or nullcontext()
        self.insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self._lock, outages_as_unavailable(), self._engine.begin() as connection:
            yield connection
