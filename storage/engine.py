"""The engine factory. No engine exists at import time: ``bots`` builds one from the settings.

SQLite is tuned for a durable single-writer service: WAL so readers never block the writer,
``synchronous=NORMAL`` (or ``FULL``) so a committed message survives a killed process, a busy
timeout so concurrent writers queue instead of failing, and ``BEGIN IMMEDIATE`` so a
transaction that reads then writes takes the write lock up front and cannot deadlock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

SQLITE_SYNCHRONOUS = ("NORMAL", "FULL")
SQLITE_BUSY_TIMEOUT_MS = 5_000
POOL_TIMEOUT_S = 5.0  # a request waiting longer for a connection gets a 503, and is retried
PG_CONNECT_TIMEOUT_S = 3


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL, or ``None`` for an in-memory database."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _tune_sqlite(engine: Engine, synchronous: str) -> None:
    if synchronous not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"SQLite synchronous must be one of {SQLITE_SYNCHRONOUS}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(
    url: str, *, pool_size: int = 10, sqlite_synchronous: str = "NORMAL"
) -> Engine:
    """An engine for ``url`` with a pool of ``pool_size`` connections."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is None:
            raise ValueError("an in-memory SQLite database would lose every message: name a file")
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_timeout=POOL_TIMEOUT_S,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _tune_sqlite(engine, sqlite_synchronous.upper())
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
    )


def database_answers(engine: Engine) -> bool:
    """Whether the database answers a trivial query now (``/readyz``)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True
