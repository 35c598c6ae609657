"""Records in a SQL database: set-based upserts fenced on the job, keyset-paged exports."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bulkio.adapters.sql.failures import database_errors
from bulkio.adapters.sql.jobs import write_fenced
from bulkio.adapters.sql.rows import (
    counters_to_row,
    error_to_row,
    record_to_domain,
    record_to_row,
    to_utc,
)
from bulkio.adapters.sql.tables import job_errors, jobs, records
from bulkio.domain.errors import InvalidRequest
from bulkio.domain.jobs import Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import RESOURCES, Resource
from bulkio.domain.rows import RowError
from bulkio.domain.upsert import Stored
from bulkio.domain.validation import Record
from bulkio.formats import Format
from bulkio.formats.writers import Chunks, encode_counted

# Bound parameters per look-up statement stay far below SQLite's and psycopg's limits.
LOOKUP_CHUNK = 5000
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
Errors = Sequence[tuple[RowError, Mapping[str, Any] | None]]


def deduplicated(resource: Resource, writes: Sequence[Record]) -> list[Record]:
    """One write per natural key (a repeated key's writes merged, later fields winning),
    sorted by key.

    PostgreSQL refuses to update one row twice in a statement, and a common order makes
    concurrent batches lock rows in the same sequence instead of deadlocking.
    """
    latest: dict[Any, Record] = {}
    for write in writes:
        key = write[resource.key]
        latest[key] = {**latest[key], **write} if key in latest else write
    return [latest[key] for key in sorted(latest, key=str)]


def by_fields(resource: Resource, writes: Sequence[Record]) -> list[tuple[list[str], list[Record]]]:
    """Writes grouped by the fields they carry, each completed with the defaults: per group,
    the columns an update of an existing key sets and the whole records an insert writes.

    A write holds only the fields its rows carried (see `bulkio.domain.upsert`), so a stored
    value the file does not mention is never overwritten; most batches are one group."""
    defaults = resource.defaults
    groups: dict[frozenset[str], list[Record]] = {}
    for write in writes:
        groups.setdefault(frozenset(write), []).append({**defaults, **write})
    return [(updated_columns(resource, carried), group) for carried, group in groups.items()]


def conditions_of(query: ExportQuery) -> list[sa.ColumnElement[bool]]:
    """The query's conditions as SQL."""
    table = records[query.resource.name]
    clauses = []
    for condition in query.conditions:
        column, value = table.c[condition.field], condition.value
        if isinstance(value, datetime):
            value = to_utc(value)
        if condition.op == "eq":
            clauses.append(column == value)
        elif condition.op == "gte":
            clauses.append(column >= value)
        elif condition.op == "lt":
            clauses.append(column < value)
        else:
            raise InvalidRequest(f"unknown comparison {condition.op!r} on {condition.field}")
    return clauses


def _chunks(values: Collection[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), LOOKUP_CHUNK):
        yield items[start:start + LOOKUP_CHUNK]


class SqlRecordStore:
    """`RecordStore` on SQLAlchemy Core; works on SQLite and PostgreSQL."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def lookup(
        self, resource: Resource, keys: Collection[Any], ids: Collection[str]
    ) -> tuple[Mapping[Any, Stored], Mapping[str, Stored]]:
        """Stored records whose natural key is in `keys` or whose id is in `ids`."""
        table = records[resource.name]
        by_key: dict[Any, Stored] = {}
        by_id: dict[str, Stored] = {}
        wanted_keys, wanted_ids = set(keys), set(ids)
        with database_errors(), self._engine.connect() as conn:
            for key_part, id_part in _paired_chunks(wanted_keys, wanted_ids):
                wanted = [self._among(table.c[resource.key], key_part)]
                if id_part:
                    wanted.append(self._among(table.c.id, id_part))
                stmt = sa.select(table).where(sa.or_(*wanted))
                for row in conn.execute(stmt).mappings():
                    stored = Stored(record_to_domain(resource, row), row["last_job_id"])
                    if stored.record[resource.key] in wanted_keys:
                        by_key[stored.record[resource.key]] = stored
                    if stored.record["id"] in wanted_ids:
                        by_id[stored.record["id"]] = stored
        return by_key, by_id

    def existing_ids(self, resource: Resource, ids: Collection[str]) -> set[str]:
        """Which of these ids exist."""
        table = records[resource.name]
        found: set[str] = set()
        with database_errors(), self._engine.connect() as conn:
            for part in _chunks(set(ids)):
                found.update(conn.execute(
                    sa.select(table.c.id).where(self._among(table.c.id, part))).scalars())
        return found

    def _among(self, column: sa.Column[Any], values: list[Any]) -> sa.ColumnElement[bool]:
        """`column IN (values)`: one bound parameter per value, as every database reads it."""
        return column.in_(values)

    def commit_batch(self, job: Job, writes: Sequence[Record], errors: Errors,
                     creates: Collection[Any] = ()) -> int:
        """Upsert, append errors and save the job in one transaction fenced on its version."""
        resource = RESOURCES[job.resource]
        with database_errors(), self._engine.begin() as conn:
            write_fenced(conn, job)  # first: on SQLite it takes the write lock for what follows
            found = self._stored_already(conn, resource, creates)
            self._upsert(conn, resource, job, deduplicated(resource, writes))
            self._append_errors(conn, job, errors)
            settle_counters(conn, job, found)
        job.version += 1
        return found

    def _stored_already(self, conn: sa.Connection, resource: Resource, keys: Collection[Any]) -> int:
        """How many of the keys planned as new are stored by now. Exact on SQLite, whose write
        lock this transaction holds; PostgreSQL's store asks its INSERT instead."""
        table = records[resource.name]
        column = table.c[resource.key]
        return sum(
            conn.execute(sa.select(sa.func.count()).where(column.in_(part))).scalar_one()
            for part in _chunks(set(keys))
        )

    def _upsert(self, conn: sa.Connection, resource: Resource, job: Job, writes: list[Record]) -> None:
        table = records[resource.name]
        for columns, group in by_fields(resource, writes):
            stmt = _INSERTS[conn.dialect.name](table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[resource.key],
                set_={name: stmt.excluded[name] for name in columns},
            )
            conn.execute(stmt, [record_to_row(resource, write, job) for write in group])

    def _append_errors(self, conn: sa.Connection, job: Job, errors: Errors) -> None:
        if errors:
            conn.execute(sa.insert(job_errors), [error_to_row(job.id, e, raw) for e, raw in errors])

    def stream(self, query: ExportQuery, batch_size: int = 1000) -> Iterator[Record]:
        """Matching records in key order, one keyset page of `batch_size` per query."""
        resource = query.resource
        table = records[resource.name]
        key = table.c[resource.key]
        base = sa.select(table).where(*conditions_of(query)).order_by(key).limit(batch_size)
        last: Any = None
        while True:
            stmt = base if last is None else base.where(key > last)
            with database_errors(), self._engine.connect() as conn:
                page = [record_to_domain(resource, row) for row in conn.execute(stmt).mappings()]
            yield from page
            if len(page) < batch_size:
                return
            last = page[-1][resource.key]

    def export(self, query: ExportQuery, fmt: str, batch_size: int = 1000) -> Chunks:
        """The matching records encoded as `fmt`, with each chunk's record count."""
        return encode_counted(self.stream(query, batch_size), Format(fmt), query.columns,
                              query.keep_formulas)

    def count(self, query: ExportQuery) -> int:
        """How many records match."""
        table = records[query.resource.name]
        stmt = sa.select(sa.func.count()).select_from(table).where(*conditions_of(query))
        with database_errors(), self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())


def settle_counters(conn: sa.Connection, job: Job, found: int) -> None:
    """Save the job's counters with `found` planned creates counted as updates (already fenced)."""
    if found:
        conn.execute(sa.update(jobs).where(jobs.c.id == job.id)
                     .values(counters=counters_to_row(job.counters.settled(found))))


def updated_columns(resource: Resource, carried: Collection[str]) -> list[str]:
    """What an upsert sets on a key that exists: the carried fields (never the id or the key
    itself), the update time and the job."""
    fixed = ("id", resource.key)
    return [*(n for n in resource.field_names if n in carried and n not in fixed),
            "updated_at", "last_job_id"]


def _paired_chunks(keys: set[Any], ids: set[str]) -> Iterator[tuple[list[Any], list[str]]]:
    key_chunks, id_chunks = list(_chunks(keys)), list(_chunks(ids))
    for i in range(max(len(key_chunks), len(id_chunks))):
        yield (key_chunks[i] if i < len(key_chunks) else [],
               id_chunks[i] if i < len(id_chunks) else [])
