"""Jobs and records in process memory: the embedded twins of the SQL adapters, for fast tests.

They keep the SQL adapters' promises: copies in and out (as a database would), optimistic
locking on the job version, one natural key per record, foreign keys, and the same orders.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from attrs import evolve

from bulkio.adapters.fenced_update import update_fenced, writable
from bulkio.domain.batches import PlannedBatch, one_per_key
from bulkio.domain.errors import Busy, Conflict, InvalidRequest, NotFound, StaleJob
from bulkio.domain.jobs import BatchOutcome, Job, JobKind, JobStatus
from bulkio.domain.queries import Condition, ExportQuery
from bulkio.domain.webhooks import Delivery
from bulkio.domain.resources import RESOURCES, Resource
from bulkio.domain.rows import RowError
from bulkio.domain.upsert import Stored
from bulkio.domain.validation import Record
from bulkio.formats import Format
from bulkio.formats.writers import Chunks, encode_counted
from bulkio.ports.jobs import JobFilter, JobMove, JobRead

Errors = Sequence[tuple[RowError, Mapping[str, Any] | None]]


def _read(job: Job, read: JobRead) -> Job:
    """A copy of the stored `job` as the database gives it back when read for `read`."""
    if read is JobRead.WHOLE:
        return copy.deepcopy(job)
    kept = 1 if read is JobRead.LISTING else 0
    return copy.deepcopy(evolve(job, errors=job.errors[:kept], warnings=job.warnings[:kept]))


def _as_stored_json(value: Any) -> Any:
    """What a JSON column gives back: lists for tuples, text for anything JSON cannot hold."""
    return json.loads(json.dumps(value, default=str))


class InMemoryJobRepository:
    """`JobRepository` in a dict, fenced on `Job.version` like the database."""

    def __init__(self) -> None:
        self.lock = threading.RLock()  # shared with the record store: a batch is one step
        self._jobs: dict[str, Job] = {}
        self._errors: dict[str, list[tuple[RowError, dict | None]]] = {}
        self._deliveries: dict[str, list[Delivery]] = {}

    def add(self, job: Job) -> None:
        """Store a new job (`Conflict` if the id is taken)."""
        with self.lock:
            if job.id in self._jobs:
                raise Conflict(f"job {job.id} already exists")
            self._jobs[job.id] = copy.deepcopy(job)

    def get(self, job_id: str, read: JobRead = JobRead.WHOLE) -> Job:
        """The job with this id (the parts `read` names), or `NotFound`."""
        with self.lock:
            return _read(self._stored(job_id), read)

    def save(self, job: Job, wait: bool = True, read: JobRead = JobRead.WHOLE) -> None:
        """Write the parts `read` names if the job's version is still current (else
        `StaleJob`); bumps the version.

        `Busy` at once when `wait` is false and a batch is being written."""
        writable(read)
        if not self.lock.acquire(blocking=wait):
            raise Busy(f"job {job.id}: a batch is being written; try again shortly")
        try:
            self.check_fence(job)
            stored = self._jobs[job.id]
            self.write_fenced(job, [])
            if read is JobRead.STATE:  # what was not read stays as it is stored
                self._jobs[job.id] = evolve(self._jobs[job.id], errors=stored.errors,
                                            warnings=stored.warnings)
        finally:
            self.lock.release()

    def split(self, job: Job, chunks: Sequence[Job]) -> None:
        """Save `job` fenced and add its `chunks`, as one step."""
        with self.lock:
            self.check_fence(job)
            if any(chunk.id in self._jobs for chunk in chunks):
                raise Conflict(f"a chunk of job {job.id} already exists")
            self.write_fenced(job, [])
            for chunk in chunks:
                self._jobs[chunk.id] = copy.deepcopy(chunk)

    def chunks_of(self, job_id: str) -> Sequence[Job]:
        """The chunks of a split job in row order, read for their state and warnings."""
        with self.lock:
            found = sorted((job for job in self._jobs.values() if job.parent_id == job_id),
                           key=lambda job: job.first_row or 0)
            return [evolve(_read(job, JobRead.STATE), warnings=list(job.warnings))
                    for job in found]

    def update(self, job_id: str, move: JobMove, wait: bool = True,
               read: JobRead = JobRead.WHOLE) -> Job | None:
        """Apply `move` to the stored job (the parts `read` names) and save it fenced,
        retrying a bounded number of times (`Busy` as `save` says)."""
        return update_fenced(self, job_id, move, wait, read)

    def check_fence(self, job: Job) -> None:
        """`NotFound` or `StaleJob` unless the stored job has the version `job` was read at."""
        stored = self._stored(job.id)
        if stored.version != job.version:
            raise StaleJob(f"job {job.id} is at version {stored.version}, not {job.version}")

    def write_fenced(self, job: Job, errors: Errors) -> None:
        """Store the job at the next version and append its errors (after `check_fence`)."""
        job.version += 1
        self._jobs[job.id] = copy.deepcopy(job)
        kept = self._errors.setdefault(job.report_id, [])
        kept.extend(
            (evolve(error, value=_as_stored_json(error.value)),
             None if raw is None else _as_stored_json(dict(raw)))
            for error, raw in errors
        )

    def _stored(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise NotFound(f"no job {job_id}") from None

    def list(self, query: JobFilter) -> Sequence[Job]:
        """Jobs newest first; `after` pages on to the jobs created before that one."""
        with self.lock:
            found = [job for job in self._jobs.values() if _matches(job, query)]
            if query.after is not None:
                if query.after not in self._jobs:
                    raise InvalidRequest(f"unknown cursor {query.after!r}")
                cursor = _position(self._jobs[query.after])
                found = [job for job in found if _position(job) < cursor]
            found.sort(key=_position, reverse=True)
            return [_read(job, JobRead.LISTING) for job in found[: query.limit]]

    def find(self, status: JobStatus, limit: int = 100) -> Sequence[Job]:
        """Jobs in one state, least recently updated first (for the sweep), without their
        inline errors and warnings."""
        with self.lock:
            found = sorted(
                (job for job in self._jobs.values() if job.status == status),
                key=lambda job: (job.updated_at, job.id),
            )
            return [_read(job, JobRead.STATE) for job in found[:limit]]

    def expired_results(self, now: datetime, limit: int = 100) -> Sequence[Job]:
        """Completed exports whose file is still kept but expired by `now`, oldest first."""
        with self.lock:
            found = sorted(
                (job for job in self._jobs.values()
                 if job.kind == JobKind.EXPORT and job.status == JobStatus.COMPLETED
                 and job.result_key is not None and job.expires_at is not None
                 and job.expires_at <= now),
                key=lambda job: (job.expires_at, job.id),
            )
            return [_read(job, JobRead.STATE) for job in found[:limit]]

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> Sequence[RowError]:
        """One page of a job's row errors in row order (empty for an unknown job)."""
        with self.lock:
            ordered = sorted(self._errors.get(job_id, []), key=lambda pair: pair[0].row)
        return [error for error, _raw in ordered[offset:offset + limit]]

    def error_rows(self, job_id: str) -> Iterator[tuple[RowError, dict | None]]:
        """Every row error with its raw row, in row order."""
        with self.lock:
            ordered = sorted(self._errors.get(job_id, []), key=lambda pair: pair[0].row)
        for error, raw in ordered:
            yield error, copy.deepcopy(raw)


    def add_delivery(self, delivery: Delivery) -> None:
        """Record one webhook delivery attempt of a stored job."""
        with self.lock:
            self._stored(delivery.job_id)
            self._deliveries.setdefault(delivery.job_id, []).append(delivery)

    def deliveries(self, job_ids: Collection[str]) -> Mapping[str, Sequence[Delivery]]:
        """The webhook delivery attempts of each of these jobs, oldest first."""
        with self.lock:
            return {job_id: sorted(self._deliveries[job_id], key=lambda d: (d.at, d.attempt))
                    for job_id in set(job_ids) if self._deliveries.get(job_id)}


def _position(job: Job) -> tuple[Any, str]:
    return job.created_at, job.id


def _matches(job: Job, query: JobFilter) -> bool:
    return (
        job.parent_id is None
        and (query.kind is None or job.kind == query.kind)
        and (query.status is None or job.status == query.status)
        and (query.resource is None or job.resource == query.resource)
        and (query.created_from is None or job.created_at >= query.created_from)
        and (query.created_to is None or job.created_at < query.created_to)
    )


class InMemoryBatchWriter:
    """`BatchWriter` into an `InMemoryRecordStore`: a batch is one step under the job
    repository's lock, fenced on the job's version."""

    def __init__(self, records: InMemoryRecordStore) -> None:
        self._records = records
        self._jobs = records.jobs

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        """Upsert, append errors and save the counted job as one step (`BatchWriter.write`)."""
        resource = RESOURCES[job.resource]
        with self._jobs.lock:
            self._jobs.check_fence(job)
            saved = batch.recorded_on(job, 0)
            found = len(batch.creates - self._records.upsert(resource, saved,
                                                             one_per_key(resource, batch.writes)))
            self._jobs.write_fenced(batch.recorded_on(job, found), batch.errors)
        return batch.committed_on(job, found)


class InMemoryRecordStore:
    """`RecordStore` in dicts; shares the job repository's lock so a batch is all or nothing."""

    reads_while_writing = True  # a read waits for the lock a batch holds, no more

    def __init__(self, jobs: InMemoryJobRepository) -> None:
        self._jobs = self.jobs = jobs
        # resource -> natural key -> stored row (fields, created_at, updated_at, last_job_id)
        self._rows: dict[str, dict[Any, dict[str, Any]]] = {name: {} for name in RESOURCES}
        self._keys_by_id: dict[str, dict[str, Any]] = {name: {} for name in RESOURCES}

    def lookup(
        self, resource: Resource, keys: Collection[Any], ids: Collection[str]
    ) -> tuple[Mapping[Any, Stored], Mapping[str, Stored]]:
        """Stored records whose natural key is in `keys` or whose id is in `ids`."""
        with self._jobs.lock:
            rows, key_of = self._rows[resource.name], self._keys_by_id[resource.name]
            by_key = {k: self._stored(resource, rows[k]) for k in keys if k in rows}
            by_id = {i: self._stored(resource, rows[key_of[i]]) for i in ids if i in key_of}
        return by_key, by_id

    def held(self) -> AbstractContextManager[InMemoryRecordStore]:
        """Itself: every read takes the repository's lock, nothing is held (`RecordStore.held`)."""
        return nullcontext(self)

    def existing_ids(self, resource: Resource, ids: Collection[str]) -> set[str]:
        """Which of these ids exist."""
        with self._jobs.lock:
            return {i for i in ids if i in self._keys_by_id[resource.name]}

    def upsert(self, resource: Resource, job: Job, writes: Sequence[Record]) -> set[Any]:
        """Store `writes` (one per key) as an upsert stamped by `job`; the keys it inserted.
        The caller holds the job repository's lock and has checked the fence."""
        self._check_constraints(resource, writes)
        rows, key_of = self._rows[resource.name], self._keys_by_id[resource.name]
        inserted: set[Any] = set()
        for write in writes:
            key = write[resource.key]
            old = rows.get(key)
            # A write holds the fields its rows carried: the others stay as stored, or take
            # their defaults on insert.
            base = resource.defaults if old is None else old
            record = {name: write.get(name, base[name]) for name in resource.field_names}
            if isinstance(record.get("tags"), list):
                record["tags"] = tuple(record["tags"])
            if old is None:
                inserted.add(key)
            else:
                record["id"] = old["id"]  # an upsert never changes the id of a key
            rows[key] = {
                **record, "created_at": old["created_at"] if old else job.updated_at,
                "updated_at": job.updated_at, "last_job_id": job.id,
            }
            key_of[record["id"]] = key
        return inserted

    def _check_constraints(self, resource: Resource, writes: Sequence[Record]) -> None:
        """What the database's primary and foreign keys refuse, checked before anything changes."""
        rows, key_of = self._rows[resource.name], self._keys_by_id[resource.name]
        claimed: set[str] = set()
        for write in writes:
            if write[resource.key] not in rows:
                if write["id"] in key_of or write["id"] in claimed:
                    raise Conflict(f"id {write['id']} already belongs to another {resource.name[:-1]}")
                claimed.add(write["id"])
            for ref in resource.references:
                if ref.field in write and write[ref.field] not in self._keys_by_id[ref.resource]:
                    raise Conflict(f"{ref.field} {write.get(ref.field)} is not an existing {ref.resource}")

    def _stored(self, resource: Resource, row: Mapping[str, Any]) -> Stored:
        record = {name: row[name] for name in (*resource.field_names, "created_at", "updated_at")}
        return Stored(record, row["last_job_id"])

    def stream(self, query: ExportQuery, batch_size: int = 1000) -> Iterator[Record]:
        """Matching records in key order (a snapshot taken when iteration starts)."""
        resource = query.resource
        with self._jobs.lock:
            rows = self._rows[resource.name]
            found = [dict(self._stored(resource, rows[k]).record) for k in sorted(rows, key=str)
                     if all(_holds(c, rows[k]) for c in query.conditions)]
        yield from found

    def export(self, query: ExportQuery, fmt: str, batch_size: int = 1000) -> Chunks:
        """The matching records encoded as `fmt`, with each chunk's record count."""
        return encode_counted(self.stream(query, batch_size), Format(fmt), query.columns,
                              query.keep_formulas)

    def count(self, query: ExportQuery) -> int:
        """How many records match."""
        with self._jobs.lock:
            rows = self._rows[query.resource.name].values()
            return sum(1 for row in rows if all(_holds(c, row) for c in query.conditions))


def _holds(condition: Condition, row: Mapping[str, Any]) -> bool:
    value = row.get(condition.field)
    if value is None:
        return False  # as in SQL: a comparison with NULL is never true
    if condition.op == "eq":
        return value == condition.value
    if condition.op == "gte":
        return value >= condition.value
    if condition.op == "lt":
        return value < condition.value
    raise InvalidRequest(f"unknown comparison {condition.op!r} on {condition.field}")
