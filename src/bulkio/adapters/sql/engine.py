"""Engines for the two SQL back ends, and the schema they need."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bulkio.adapters.sql.tables import metadata

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",  # readers never block the writer
    "PRAGMA synchronous=NORMAL",  # safe with WAL, and much faster than FULL
    "PRAGMA foreign_keys=ON",  # SQLite ignores foreign keys unless asked, per connection
    "PRAGMA busy_timeout=30000",  # wait for the write lock instead of failing at once
    "PRAGMA wal_autocheckpoint=16384",  # 64 MB of WAL between checkpoints, not one per batch
    "PRAGMA cache_size=-65536",  # 64 MB of page cache for the key indexes of a large import
)


IDLE_IN_TRANSACTION_MS = 600_000  # longer than any pause between two statements of a batch

# Last line of defence for JSON columns; the adapters pass plain JSON values already. ASCII
# escapes carry what a text parameter cannot: a rejected value holding NUL is still reported.
_dumps = partial(json.dumps, default=str)


def create_engine_for(url: str) -> sa.Engine:
    """An engine for a `sqlite:///path` or `postgresql://` URL, tuned for bulk work."""
    parsed = sa.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend in ("postgresql", "postgres"):
        return sa.create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            pool_pre_ping=True,
            json_serializer=_dumps,
            hide_parameters=True,  # an error message never carries the rows' data
            # A worker paused inside a transaction (SIGSTOP, a debugger) must not keep its job's
            # row locked for ever: the server ends such a session, the takeover can proceed.
            connect_args={"options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"},
        )
    raise ValueError(f"unsupported database URL {parsed.render_as_string()!r}: use sqlite or postgresql")


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database in (None, "", ":memory:"):
        # It would live in one connection, which the API, the worker and an import's
        # read-ahead thread would share, each rolling back the others' transactions.
        raise ValueError("SQLite needs a file (sqlite:///path/to/bulkio.db): an in-memory "
                         "database cannot be shared by bulkio's threads")
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}, "json_serializer": _dumps,
                               "hide_parameters": True}
    Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **options)

    @sa.event.listens_for(engine, "connect")
    def _tune(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    return engine


def ensure_schema(engine: sa.Engine) -> None:
    """Create or upgrade the schema: SQLite straight from the tables, PostgreSQL by migrations."""
    if engine.dialect.name == "sqlite":
        metadata.create_all(engine)
        return
    from bulkio.adapters.sql.migrate import upgrade

    upgrade(engine.url.render_as_string(hide_password=False))
