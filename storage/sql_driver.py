"""What differs between SQLite and PostgreSQL on the hot path, and nothing else.

The responder's transaction runs plain SQL on the pooled DBAPI connection: SQLAlchemy's
execution layer costs about 20 µs per statement here, more than SQLite takes to run one.
Both databases accept the same SQL (ON CONFLICT … RETURNING, INSERT … SELECT … WHERE); only
the parameter style, how a time is written, how a transaction begins and which errors mean
"the database is unreachable" differ.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg

_NAMED = re.compile(r"(?<!:):([a-z_]+)")


def _sqlite_time(moment: datetime) -> str:
    # The format SQLAlchemy's SQLite DATETIME writes ("2026-11-28 21:30:00.000000"), so that
    # rows written by either path compare as strings; isoformat is ten times faster than strftime.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _keep_time(moment: datetime) -> datetime:
    return moment


@dataclass(frozen=True, slots=True)
class SqlDriver:
    """The per-database details of running the hot-path SQL on a DBAPI connection."""

    name: str
    begin: str | None  # statement that opens a transaction, None when the driver does it
    time: Callable[[datetime], Any]
    outages: tuple[type[BaseException], ...]
    placeholder: str  # how ``:name`` is written for this driver

    def sql(self, text: str) -> str:
        """``text`` with its ``:name`` parameters in this driver's style."""
        return _NAMED.sub(self.placeholder, text)


SQLITE = SqlDriver(
    name="sqlite",
    # Take the write lock up front: a transaction that reads then writes can then never be
    # refused half-way because another writer got in between.
    begin="BEGIN IMMEDIATE",
    time=_sqlite_time,
    outages=(sqlite3.OperationalError,),
    placeholder=r":\1",
)
POSTGRESQL = SqlDriver(
    name="postgresql",
    begin=None,
    time=_keep_time,
    outages=(psycopg.OperationalError, psycopg.InterfaceError),
    placeholder=r"%(\1)s",
)


def driver_for(dialect: str) -> SqlDriver:
    """The driver details of an SQLAlchemy dialect name."""
    drivers = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
    if dialect not in drivers:
        raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
    return drivers[dialect]
