"""Turns the database's failures into the core's ``StoreUnavailable``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc

from replies.ports import StoreUnavailable


def is_outage(error: BaseException) -> bool:
    """Whether ``error`` means the database is unreachable or busy, not that a query is wrong.

    Those are worth a retry by the platform (503); anything else is a bug and must surface.
    """
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError)


@contextmanager
def outages_as_unavailable() -> Iterator[None]:
    """Re-raise database outages inside the block as ``StoreUnavailable``."""
    try:
        yield
    except exc.SQLAlchemyError as error:
        if is_outage(error):
            raise StoreUnavailable(type(error).__name__) from error
        raise
