"""The adapters each contract suite runs against: in memory, SQLite in a temp folder, PostgreSQL.

PostgreSQL is never skipped: without it the `pg_url` fixture fails the tests.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from attrs import frozen

from bulkio.adapters.memory_records import (
    InMemoryBatchWriter,
    InMemoryJobRepository,
    InMemoryRecordStore,
)
from bulkio.adapters.sql import (
    PostgresBatchWriter,
    PostgresRecordStore,
    SqlBatchWriter,
    SqlJobRepository,
    SqlRecordStore,
    create_engine_for,
    ensure_schema,
)
from bulkio.adapters.sql.migrate import upgrade
from bulkio.adapters.sql.tables import metadata
from bulkio.domain.batches import ErrorWithRow, PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job, JobKind
from bulkio.domain.validation import Record
from bulkio.ports.batches import BatchWriter
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


@frozen
class Adapters:
    """A job repository, a record store and a batch writer that share one database."""

    jobs: JobRepository
    records: RecordStore
    batches: BatchWriter


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[sa.Engine]:
    """The session's PostgreSQL database, migrated to head once."""
    upgrade(pg_url)
    engine = create_engine_for(pg_url)
    yield engine
    engine.dispose()


def _truncate(engine: sa.Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def adapters(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Adapters]:
    if request.param == "memory":
        jobs = InMemoryJobRepository()
        records = InMemoryRecordStore(jobs)
        yield Adapters(jobs, records, InMemoryBatchWriter(records))
    elif request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path}/db/bulkio.db")
        ensure_schema(engine)
        yield Adapters(SqlJobRepository(engine), SqlRecordStore(engine), SqlBatchWriter(engine))
        engine.dispose()
    else:
        engine = request.getfixturevalue("pg_engine")
        _truncate(engine)
        yield Adapters(SqlJobRepository(engine), PostgresRecordStore(engine),
                       PostgresBatchWriter(engine))


@pytest.fixture
def job_repository(adapters: Adapters) -> JobRepository:
    return adapters.jobs


@pytest.fixture
def record_store(adapters: Adapters) -> RecordStore:
    return adapters.records


@pytest.fixture
def batch_writer(adapters: Adapters) -> BatchWriter:
    return adapters.batches


def commit(batches: BatchWriter, job: Job, writes: list[Record] | tuple[Record, ...] = (),
           errors: list[ErrorWithRow] | tuple[ErrorWithRow, ...] = (), creates: Any = (),
           outcome: BatchOutcome | None = None) -> BatchOutcome:
    """Write one batch for `job` at its own update time, counted as `outcome` (nothing)."""
    batch = PlannedBatch(outcome or BatchOutcome(), job.updated_at, tuple(writes), tuple(errors),
                         creates)
    return batches.write(job, batch)


@pytest.fixture
def new_job() -> Callable[..., Job]:
    """A factory of minimal jobs with fresh ids: `new_job(resource="articles", ...)`."""
    numbers = itertools.count(1)

    def make(**overrides: Any) -> Job:
        n = next(numbers)
        values: dict[str, Any] = {
            "id": str(uuid.UUID(int=n)), "kind": JobKind.IMPORT, "resource": "users",
            "format": "csv", "created_at": T0, "updated_at": T0,
        }
        values.update(overrides)
        return Job(**values)

    return make
