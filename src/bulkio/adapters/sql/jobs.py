"""Jobs and their error reports in a SQL database, with optimistic locking on the version."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bulkio.adapters.fenced_update import update_fenced, writable
from bulkio.adapters.sql.failures import database_errors
from bulkio.adapters.sql.rows import (
    error_to_domain,
    from_db_time,
    job_to_domain,
    job_to_row,
    to_utc,
)
from bulkio.adapters.sql.tables import job_errors, jobs, webhook_deliveries
from bulkio.domain.errors import InvalidRequest, NotFound, StaleJob
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.domain.rows import RowError
from bulkio.domain.webhooks import Delivery
from bulkio.ports.jobs import JobFilter, JobMove, JobRead

ERROR_CHUNK = 1000
_GROWING = ("errors", "warnings")  # the documents that grow with a job's data
_STATE = tuple(c for c in jobs.c if c.name not in _GROWING)
# The columns each purpose reads (`JobRead`); a listing reads the first element of each
# growing document, which `_to_domain` turns back into a one-element list.
COLUMNS: Mapping[JobRead, tuple[Any, ...]] = {
    JobRead.WHOLE: tuple(jobs.c),
    JobRead.STATE: _STATE,
    JobRead.LISTING: (*_STATE, *(jobs.c[name][0].label(name) for name in _GROWING)),
}


def _to_domain(row: Mapping[str, Any], read: JobRead) -> Job:
    if read is JobRead.LISTING:
        row = {**row, **{name: [] if row[name] is None else [row[name]] for name in _GROWING}}
    return job_to_domain(row)


def write_fenced(conn: sa.Connection, job: Job, read: JobRead = JobRead.WHOLE) -> None:
    """Update the job row, the columns `read` names, only if it still has the version `job`
    was read at.

    The caller bumps `job.version` once its transaction commits, so a rollback leaves the
    in-memory job matching the row.
    """
    written = {c.name for c in COLUMNS[writable(read)]} - {"id", "version"}
    values = {name: value for name, value in job_to_row(job).items() if name in written}
    result = conn.execute(
        sa.update(jobs)
        .where(jobs.c.id == job.id, jobs.c.version == job.version)
        .values(**values, version=jobs.c.version + 1)
    )
    if result.rowcount == 1:
        return
    found = conn.execute(sa.select(jobs.c.version).where(jobs.c.id == job.id)).scalar()
    if found is None:
        raise NotFound(f"no job {job.id}")
    raise StaleJob(f"job {job.id} is at version {found}, not {job.version}: changed by someone else")


LOCK_TIMEOUT_MS = 2000


class SqlJobRepository:
    """`JobRepository` on SQLAlchemy Core: PostgreSQL or SQLite.

    On PostgreSQL a `save` waits at most `lock_timeout_ms` for the job's row (a worker frozen
    inside its batch transaction holds it), or not at all with `wait=False`, then raises `Busy`.
    SQLite has one writer at a time and waits for it (its busy timeout)."""

    def __init__(self, engine: sa.Engine, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> None:
        self._engine = engine
        self._lock_timeout_ms = lock_timeout_ms
        self._postgres = engine.dialect.name == "postgresql"

    def add(self, job: Job) -> None:
        """Store a new job (`Conflict` if the id is taken)."""
        with database_errors(), self._engine.begin() as conn:
            conn.execute(sa.insert(jobs).values(job_to_row(job)))

    def get(self, job_id: str, read: JobRead = JobRead.WHOLE) -> Job:
        """The job with this id (the columns `read` names), or `NotFound`."""
        stmt = sa.select(*COLUMNS[read]).where(jobs.c.id == job_id)
        with database_errors(), self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(f"no job {job_id}")
        return _to_domain(row, read)

    def save(self, job: Job, wait: bool = True, read: JobRead = JobRead.WHOLE) -> None:
        """Write the columns `read` names if the job's version is still current (else
        `StaleJob`); bumps the version.

        `Busy` when another transaction holds the row past the lock timeout (at once when
        `wait` is false)."""
        with database_errors(), self._engine.begin() as conn:
            if self._postgres:
                self._bound_lock_wait(conn, job.id, wait)
            write_fenced(conn, job, read)
        job.version += 1

    def split(self, job: Job, chunks: Sequence[Job]) -> None:
        """Save `job` fenced and add its `chunks`, in one transaction."""
        with database_errors(), self._engine.begin() as conn:
            if self._postgres:
                self._bound_lock_wait(conn, job.id, True)
            write_fenced(conn, job)
            conn.execute(sa.insert(jobs), [job_to_row(chunk) for chunk in chunks])
        job.version += 1

    def chunks_of(self, job_id: str) -> Sequence[Job]:
        """The chunks of a split job in row order, read for their state and warnings."""
        stmt = (sa.select(*_STATE, jobs.c.warnings).where(jobs.c.parent_id == job_id)
                .order_by(jobs.c.first_row))
        with database_errors(), self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [_to_domain(row, JobRead.STATE) for row in rows]

    def update(self, job_id: str, move: JobMove, wait: bool = True,
               read: JobRead = JobRead.WHOLE) -> Job | None:
        """Apply `move` to the stored job (the columns `read` names) and save it fenced,
        retrying a bounded number of times (`Busy` as `save` says)."""
        return update_fenced(self, job_id, move, wait, read)

    def _bound_lock_wait(self, conn: sa.Connection, job_id: str, wait: bool) -> None:
        if wait:
            # SET cannot take a bind parameter; the value is an int from the settings.
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(self._lock_timeout_ms)}")
            return
        conn.execute(sa.select(jobs.c.id).where(jobs.c.id == job_id).with_for_update(nowait=True))

    def list(self, query: JobFilter) -> Sequence[Job]:
        """Jobs newest first, read for a listing; `after` pages on to the jobs created before
        that one."""
        stmt = sa.select(*COLUMNS[JobRead.LISTING]).where(jobs.c.parent_id.is_(None))
        if query.kind is not None:
            stmt = stmt.where(jobs.c.kind == query.kind.value)
        if query.status is not None:
            stmt = stmt.where(jobs.c.status == query.status.value)
        if query.resource is not None:
            stmt = stmt.where(jobs.c.resource == query.resource)
        if query.created_from is not None:
            stmt = stmt.where(jobs.c.created_at >= to_utc(query.created_from))
        if query.created_to is not None:
            stmt = stmt.where(jobs.c.created_at < to_utc(query.created_to))
        stmt = stmt.order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(query.limit)
        with database_errors(), self._engine.connect() as conn:
            if query.after is not None:
                cursor = conn.execute(
                    sa.select(jobs.c.created_at, jobs.c.id).where(jobs.c.id == query.after)
                ).first()
                if cursor is None:
                    raise InvalidRequest(f"unknown cursor {query.after!r}")
                stmt = stmt.where(sa.tuple_(jobs.c.created_at, jobs.c.id) < tuple(cursor))
            rows = conn.execute(stmt).mappings().all()
        return [_to_domain(row, JobRead.LISTING) for row in rows]

    def find(self, status: JobStatus, limit: int = 100) -> Sequence[Job]:
        """Jobs in one state, least recently updated first (for the sweep), read for their
        state: the sweep looks at their state and times only."""
        stmt = (
            sa.select(*COLUMNS[JobRead.STATE]).where(jobs.c.status == status.value)
            .order_by(jobs.c.updated_at, jobs.c.id).limit(limit)
        )
        with database_errors(), self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [_to_domain(row, JobRead.STATE) for row in rows]

    def expired_results(self, now: datetime, limit: int = 100) -> Sequence[Job]:
        """Completed exports whose file is still kept but expired by `now`, oldest first, read
        for their state."""
        stmt = (
            sa.select(*COLUMNS[JobRead.STATE]).where(
                jobs.c.kind == JobKind.EXPORT.value, jobs.c.status == JobStatus.COMPLETED.value,
                jobs.c.result_key.is_not(None), jobs.c.expires_at <= to_utc(now),
            ).order_by(jobs.c.expires_at, jobs.c.id).limit(limit)
        )
        with database_errors(), self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [_to_domain(row, JobRead.STATE) for row in rows]

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> Sequence[RowError]:
        """One page of a job's row errors in row order (empty for an unknown job)."""
        stmt = (
            sa.select(job_errors).where(job_errors.c.job_id == job_id)
            .order_by(job_errors.c.row, job_errors.c.id).offset(offset).limit(limit)
        )
        with database_errors(), self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [error_to_domain(row) for row in rows]

    def error_rows(self, job_id: str) -> Iterator[tuple[RowError, dict | None]]:
        """Every row error with its raw row, in row order, one short query per chunk."""
        # Keyset pages rather than one open cursor: no connection is held while the caller
        # writes the report out, however slowly it consumes.
        last: tuple[int, int] | None = None
        while True:
            stmt = sa.select(job_errors).where(job_errors.c.job_id == job_id)
            if last is not None:
                stmt = stmt.where(sa.tuple_(job_errors.c.row, job_errors.c.id) > last)
            stmt = stmt.order_by(job_errors.c.row, job_errors.c.id).limit(ERROR_CHUNK)
            with database_errors(), self._engine.connect() as conn:
                rows = conn.execute(stmt).mappings().all()
            for row in rows:
                yield error_to_domain(row), row["raw"]
            if len(rows) < ERROR_CHUNK:
                return
            last = (rows[-1]["row"], rows[-1]["id"])

    def add_delivery(self, delivery: Delivery) -> None:
        """Record one webhook delivery attempt of a stored job."""
        with database_errors(), self._engine.begin() as conn:
            conn.execute(sa.insert(webhook_deliveries).values(
                job_id=delivery.job_id, attempt=delivery.attempt, at=to_utc(delivery.at),
                status_code=delivery.status_code, error=delivery.error))

    def deliveries(self, job_ids: Collection[str]) -> Mapping[str, Sequence[Delivery]]:
        """The webhook delivery attempts of each of these jobs, oldest first, in one query."""
        t = webhook_deliveries
        found: dict[str, list[Delivery]] = {}
        if not job_ids:
            return found
        stmt = (sa.select(t).where(t.c.job_id.in_(list(set(job_ids))))
                .order_by(t.c.job_id, t.c.at, t.c.attempt, t.c.id))
        with database_errors(), self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        for r in rows:
            found.setdefault(r["job_id"], []).append(Delivery(
                job_id=r["job_id"], attempt=r["attempt"], at=from_db_time(r["at"]),
                status_code=r["status_code"], error=r["error"]))
        return found
