"""Databases for tests: a fresh SQLite file, or a fresh schema on the real PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from storage import migrate
from storage.engine import create_db_engine

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN_URL = f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"


def postgres_url(schema: str, host: str = POSTGRES_HOST, port: int = POSTGRES_PORT) -> str:
    """A URL on the ``test`` database whose tables live in ``schema``."""
    return f"postgresql+psycopg://postgres@{host}:{port}/test?options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A schema of its own for one test, dropped afterwards; yields its name."""
    schema = "t_" + secrets.token_hex(6)
    # No pool: a test may restart the server, and a pooled connection would not survive it.
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        yield schema
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def migrate_database(url: str) -> None:
    """What ``antirelous db upgrade`` does, for a test database."""
    engine = create_db_engine(url, pool_size=1)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
