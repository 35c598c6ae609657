"""The PostgreSQL fast path: COPY into a staging table, one INSERT ... SELECT ... ON CONFLICT."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bulkio.adapters.sql.copy_export import copy_chunks, export_statement, read_rows
from bulkio.adapters.sql.failures import RETRYABLE_SQLSTATES, database_errors, sqlstate
from bulkio.adapters.sql.jobs import write_fenced
from bulkio.adapters.sql.records import (
    Errors,
    SqlRecordStore,
    by_fields,
    conditions_of,
    deduplicated,
    settle_counters,
)
from bulkio.adapters.sql.rows import error_to_row, record_to_domain, record_to_row, record_tuples
from bulkio.adapters.sql.tables import job_errors, records
from bulkio.domain.jobs import Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import RESOURCES, Resource
from bulkio.domain.validation import Record
from bulkio.formats import Format
from bulkio.formats.writers import Chunks

ATTEMPTS = 5
# A row version no transaction has deleted yet: the row was inserted, not updated (the
# documented way to tell the two apart in `INSERT … ON CONFLICT DO UPDATE … RETURNING`).
INSERTED = sa.literal_column("(xmax = 0)").label("inserted")
ERROR_COLUMNS = ("job_id", "row", "line", "field", "code", "message", "value", "raw")


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


class PostgresRecordStore(SqlRecordStore):
    """`RecordStore` for PostgreSQL: batches go in by COPY, exports come out of a server cursor."""

    def __init__(self, engine: sa.Engine, copy_threshold: int = 100,
                 backoff: Callable[[int], float] = lambda attempt: 0.05 * 2 ** attempt) -> None:
        super().__init__(engine)
        self._copy_threshold = copy_threshold  # below it, COPY's set-up costs more than it saves
        self._backoff = backoff

    def _among(self, column: sa.Column[Any], values: list[Any]) -> sa.ColumnElement[bool]:
        """`column = ANY(:array)`: one parameter, one plan, instead of a thousand-item IN list
        parsed and planned again for every batch."""
        return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(column.type)))

    def commit_batch(self, job: Job, writes: Sequence[Record], errors: Errors,
                     creates: Collection[Any] = ()) -> int:
        """Upsert, append errors and save the job in one transaction; retried on deadlock."""
        resource = RESOURCES[job.resource]
        rows = deduplicated(resource, writes)
        planned = set(creates)
        with database_errors():
            for attempt in range(ATTEMPTS):
                try:
                    with self._engine.begin() as conn:
                        write_fenced(conn, job)
                        if len(rows) >= self._copy_threshold:
                            inserted = self._copy_upsert(conn, resource, job, rows)
                        else:
                            inserted = self._returning_upsert(conn, resource, job, rows)
                        found = len(planned - inserted)
                        settle_counters(conn, job, found)
                        self._copy_errors(conn, job, errors)
                    break
                except sa.exc.DBAPIError as err:
                    if sqlstate(err) not in RETRYABLE_SQLSTATES or attempt == ATTEMPTS - 1:
                        raise
                time.sleep(self._backoff(attempt))
        job.version += 1
        return found

    def _returning_upsert(self, conn: sa.Connection, resource: Resource, job: Job,
                          writes: list[Record]) -> set[Any]:
        """The plain upsert, reporting which keys it inserted rather than updated."""
        table = records[resource.name]
        inserted_keys: set[Any] = set()
        for columns, group in by_fields(resource, writes):
            stmt = postgresql.insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[resource.key],
                set_={name: stmt.excluded[name] for name in columns},
            ).returning(table.c[resource.key], INSERTED)
            result = conn.execute(stmt, [record_to_row(resource, w, job) for w in group])
            inserted_keys.update(key for key, inserted in result if inserted)
        return inserted_keys

    def _copy_upsert(self, conn: sa.Connection, resource: Resource, job: Job,
                     writes: list[Record]) -> set[Any]:
        """COPY into staging, then one INSERT … SELECT per set of carried fields (most batches
        have one); returns the keys it inserted."""
        table = records[resource.name]
        names = [*resource.field_names, "created_at", "updated_at", "last_job_id"]  # as record_tuples
        stage = f"bulkio_stage_{resource.name}"
        # Lives as long as the pooled connection; emptied by every commit or rollback.
        conn.exec_driver_sql(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" (LIKE "{table.name}" INCLUDING DEFAULTS) '
            "ON COMMIT DELETE ROWS"
        )
        staged = sa.table(stage, *(sa.column(name) for name in names))
        inserted_keys: set[Any] = set()
        for number, (columns, group) in enumerate(by_fields(resource, writes)):
            if number:  # the rows of the group before are written: stage only this group's
                conn.exec_driver_sql(f'TRUNCATE "{stage}"')
            with conn.connection.driver_connection.cursor() as cursor, \
                    cursor.copy(f'COPY "{stage}" ({_quoted(names)}) FROM STDIN') as copy:
                for values in record_tuples(resource, group, job):
                    copy.write_row(values)
            # ORDER BY the key: rows get locked in the same order by every concurrent batch.
            insert = postgresql.insert(table).from_select(
                names, sa.select(*staged.c).order_by(staged.c[resource.key])
            )
            result = conn.execute(insert.on_conflict_do_update(
                index_elements=[resource.key],
                set_={name: insert.excluded[name] for name in columns},
            ).returning(table.c[resource.key], INSERTED))
            inserted_keys.update(key for key, inserted in result if inserted)
        return inserted_keys

    def _copy_errors(self, conn: sa.Connection, job: Job, errors: Errors) -> None:
        if len(errors) < self._copy_threshold:
            self._append_errors(conn, job, errors)
            return
        with conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f'COPY "{job_errors.name}" ({_quoted(ERROR_COLUMNS)}) FROM STDIN') as copy:
            for error, raw in errors:
                row = error_to_row(job.id, error, raw)
                for document in ("value", "raw"):
                    if row[document] is not None:
                        row[document] = json.dumps(row[document])  # ASCII: COPY carries no NUL
                copy.write_row([row[name] for name in ERROR_COLUMNS])

    def export(self, query: ExportQuery, fmt: str, batch_size: int = 1000) -> Chunks:
        """The export file written by the server (`COPY (SELECT …) TO STDOUT`, formatted in SQL):
        no Python object per record."""
        fmt = Format(fmt)
        statement, params = export_statement(query, fmt)
        with database_errors(), self._engine.connect() as conn, \
                conn.connection.driver_connection.cursor() as cursor, \
                cursor.copy(statement, params) as copy:
            yield from copy_chunks(read_rows(copy), query, fmt)

    def stream(self, query: ExportQuery, batch_size: int = 1000) -> Iterator[Record]:
        """Matching records in key order from one server-side cursor, `batch_size` at a time."""
        resource = query.resource
        table = records[resource.name]
        stmt = sa.select(table).where(*conditions_of(query)).order_by(table.c[resource.key])
        with database_errors(), self._engine.connect() as conn:
            result = conn.execution_options(yield_per=batch_size).execute(stmt)
            for row in result.mappings():
                yield record_to_domain(resource, row)
