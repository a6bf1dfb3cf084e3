"""Alembic migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from storage import migrate
from storage.engine import create_db_engine
from tests.support.databases import postgres_schema, postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    with postgres_schema() as schema:
        engine = create_db_engine(postgres_url(schema))
        yield engine
        engine.dispose()


def test_upgrade_builds_the_declared_schema(empty_engine: Engine) -> None:
    assert not migrate.is_up_to_date(empty_engine)
    migrate.upgrade(empty_engine)
    assert migrate.is_up_to_date(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_downgrade_removes_every_table(empty_engine: Engine) -> None:
    from alembic import command

    migrate.upgrade(empty_engine)
    command.downgrade(migrate.alembic_config(empty_engine), "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
