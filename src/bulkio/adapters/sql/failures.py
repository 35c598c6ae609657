"""Database errors as domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from bulkio.domain.errors import Busy, Conflict, Unavailable

# Deadlock and serialization failure: the transaction lost a race and may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
LOCK_NOT_AVAILABLE = "55P03"  # NOWAIT found the row locked, or lock_timeout ran out


def sqlstate(err: sa.exc.DBAPIError) -> str | None:
    """The SQLSTATE code the driver reported, if it reports one."""
    return getattr(err.orig, "sqlstate", None)


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn constraint violations into `Conflict` and lost connections into `Unavailable`."""
    try:
        yield
    except sa.exc.IntegrityError as err:
        raise Conflict(f"the write breaks a database constraint: {headline(err)}") from err
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
        if sqlstate(err) == LOCK_NOT_AVAILABLE:
            raise Busy("the job is locked by another transaction (a worker writing a batch, "
                       "or one that stopped responding); try again shortly") from err
        raise Unavailable(f"the database failed: {headline(err)}") from err


def headline(err: sa.exc.DBAPIError) -> str:
    """The driver's first line: what went wrong, without PostgreSQL's DETAIL (which quotes the
    row) and without the statement."""
    lines = str(err.orig).strip().splitlines()
    return lines[0] if lines else type(err.orig).__name__
