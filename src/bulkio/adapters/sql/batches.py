"""Batches of an import committed to a SQL database: one upsert per set of carried fields, the
row errors and the job's counters and checkpoint, in one transaction fenced on the job."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bulkio.adapters.sql.failures import database_errors
from bulkio.adapters.sql.jobs import write_fenced
from bulkio.adapters.sql.rows import counters_to_row, error_to_row, record_to_row
from bulkio.adapters.sql.tables import job_errors, jobs, records
from bulkio.domain.batches import ErrorWithRow, PlannedBatch, one_per_key
from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.resources import RESOURCES, Resource
from bulkio.domain.validation import Record

# Bound parameters per statement stay far below SQLite's and psycopg's limits.
CHUNK = 5000
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlBatchWriter:
    """`BatchWriter` on SQLAlchemy Core: works on SQLite and PostgreSQL."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        """Upsert, append errors and save the counted job in one transaction fenced on its
        version (`BatchWriter.write`)."""
        resource = RESOURCES[job.resource]
        with database_errors(), self._engine.begin() as conn:
            saved = batch.recorded_on(job, 0)
            write_fenced(conn, saved)  # first: on SQLite it takes the write lock for what follows
            found = self._stored_already(conn, resource, batch.creates)
            self._upsert(conn, resource, saved, one_per_key(resource, batch.writes))
            append_errors(conn, job, batch.errors)
            settle(conn, job, batch, found)
        return batch.committed_on(job, found)

    def _stored_already(self, conn: sa.Connection, resource: Resource, keys: Collection[Any]) -> int:
        """How many of the keys planned as new are stored by now: exact, since this
        transaction holds SQLite's write lock."""
        column = records[resource.name].c[resource.key]
        return sum(
            conn.execute(sa.select(sa.func.count()).where(column.in_(part))).scalar_one()
            for part in chunks(keys)
        )

    def _upsert(self, conn: sa.Connection, resource: Resource, job: Job, writes: list[Record]) -> None:
        for columns, group in by_fields(resource, writes):
            conn.execute(upsert_statement(conn, resource, columns),
                         [record_to_row(resource, write, job) for write in group])


def upsert_statement(conn: sa.Connection, resource: Resource, columns: Sequence[str],
                     rows_from: tuple[Sequence[str], sa.Select[Any]] | None = None) -> Any:
    """`INSERT … ON CONFLICT (key) DO UPDATE SET` the `columns` (`updated_columns`) for the
    connection's dialect: of rows bound as parameters, or `rows_from` a SELECT
    (`(names, select)`, as the PostgreSQL writer reads its staging table)."""
    stmt = _INSERTS[conn.dialect.name](records[resource.name])
    if rows_from is not None:
        stmt = stmt.from_select(*rows_from)
    return stmt.on_conflict_do_update(
        index_elements=[resource.key], set_={name: stmt.excluded[name] for name in columns})


def settle(conn: sa.Connection, job: Job, batch: PlannedBatch, found: int) -> None:
    """Save the job's counters with `found` planned creates counted as updates (the row is
    already fenced and written by this transaction)."""
    if found:
        counters = batch.recorded_on(job, found).counters
        conn.execute(sa.update(jobs).where(jobs.c.id == job.id)
                     .values(counters=counters_to_row(counters)))


def append_errors(conn: sa.Connection, job: Job, errors: Sequence[ErrorWithRow]) -> None:
    if errors:
        conn.execute(sa.insert(job_errors),
                     [error_to_row(job.report_id, e, raw) for e, raw in errors])


def by_fields(resource: Resource, writes: Sequence[Record]) -> list[tuple[list[str], list[Record]]]:
    """Writes grouped by the fields they carry: per group, the columns an update of an existing
    key sets, and the writes.

    A write holds only the fields its rows carried (see `bulkio.domain.upsert`), so a stored
    value the file does not mention is never overwritten; most batches are one group. An insert
    gives the fields a group does not carry their defaults (`record_to_row`, `record_tuples`)."""
    groups: dict[frozenset[str], list[Record]] = {}
    for write in writes:
        groups.setdefault(frozenset(write), []).append(write)
    return [(updated_columns(resource, carried), group) for carried, group in groups.items()]


def updated_columns(resource: Resource, carried: Collection[str]) -> list[str]:
    """What an upsert sets on a key that exists: the carried fields (never the id or the key
    itself), the update time and the job."""
    fixed = ("id", resource.key)
    return [*(n for n in resource.field_names if n in carried and n not in fixed),
            "updated_at", "last_job_id"]


def chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    """`values` (deduplicated) in lists of at most `CHUNK`."""
    items = list(set(values))
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]
