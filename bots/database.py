"""Opening the database the settings name: migrated on SQLite, checked on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bots.settings import ConfigurationError, Settings
from storage import migrate
from storage.engine import create_db_engine, is_sqlite


def open_database(settings: Settings) -> Engine:
    """An engine on the configured database, with its schema at the code's revision.

    SQLite, the embedded single-process default, is migrated in place. A shared database is
    never migrated by a starting replica (two would race): it must already be at head.
    """
    engine = create_db_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    try:
        if is_sqlite(settings.database_url):
            migrate.upgrade(engine)
        elif not migrate.is_up_to_date(engine):
            raise ConfigurationError(
                f"the database schema is at {migrate.current_revision(engine)}, this version "
                f"needs {migrate.head_revision()}: run `antirelous db upgrade` first"
            )
    except SQLAlchemyError as error:
        engine.dispose()
        raise ConfigurationError(f"cannot open the database: {type(error).__name__}") from error
    except ConfigurationError:
        engine.dispose()
        raise
    return engine
