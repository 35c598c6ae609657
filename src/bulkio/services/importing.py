"""The import pipeline: read a stored source, validate, check references, plan, commit.

Each batch commits its records, its row errors, the job's counters and its checkpoint in one
fenced transaction, so a recovered job resumes exactly after the last committed batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from typing import Any

from attrs import frozen

from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.resources import RESOURCES, Resource, resource_named
from bulkio.domain.rows import MalformedRow, RowError, SourceRow
from bulkio.domain.upsert import (
    BatchPlan,
    Stored,
    as_stored,
    check_references,
    keys_of,
    plan_batch,
)
from bulkio.domain.validation import Checked, Record, unknown_columns, validate
from bulkio.formats import Format, RowReader, open_rows, precheck
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.jobs import JobRepository
from bulkio.ports.lock import Lease
from bulkio.ports.records import RecordStore
from bulkio.ports.storage import FileStorage
from bulkio.services.compiled_validation import FastValidator, compiled
from bulkio.services.read_ahead import read_ahead
from bulkio.services.settings import JobSettings

ErrorWithRow = tuple[RowError, Mapping[str, Any] | None]


class LeaseLost(Exception):
    """The worker's lease on the job lapsed: stop without writing more."""


class WorkerStopping(Exception):
    """The worker is shutting down: the job stopped after a committed batch and can resume."""


def never() -> bool:
    return False


@frozen
class Batch:
    """A batch of source rows, validated: the valid ones and the errors of the others."""

    valid: tuple[Checked, ...]
    errors: tuple[ErrorWithRow, ...]
    rows: int  # source rows it covers (valid, invalid and malformed)
    bytes_read: int  # position in the source after it
    new_columns: tuple[str, ...]  # columns first seen in it (NDJSON and JSON rows may add some)


def _batch(resource: Resource, items: Sequence[SourceRow | MalformedRow], reader: RowReader,
           looked_at: int, fast: FastValidator) -> Batch:
    valid: list[Checked] = []
    errors: list[ErrorWithRow] = []
    for item in items:
        if isinstance(item, MalformedRow):
            errors.append((item.error(), item.values))
            continue
        record = fast(item.values)
        if record is not None:
            valid.append(Checked(item.number, record, (), item.values))
            continue
        result = validate(resource, item)  # explains the row the fast path left to it
        if result.record is None:
            errors.extend((e, result.raw) for e in result.errors)
        else:
            valid.append(result)
    return Batch(tuple(valid), tuple(errors), len(items), reader.bytes_read,
                 tuple(reader.columns[looked_at:]))


class ImportPipeline:
    """Runs one import job that a worker has already claimed."""

    def __init__(self, jobs: JobRepository, records: RecordStore, storage: FileStorage,
                 clock: Clock, ids: IdGenerator, settings: JobSettings) -> None:
        self._jobs, self._records, self._storage = jobs, records, storage
        self._clock, self._ids, self._settings = clock, ids, settings

    def run(self, job: Job, lease: Lease | None = None,
            stopping: Callable[[], bool] = never) -> None:
        """Import every row after the job's checkpoint; leaves the job completed.

        Between batches it renews the lease and honours `stopping` (`WorkerStopping`)."""
        assert job.source is not None
        resource = resource_named(job.resource)
        fmt = Format(job.format)
        limits = self._settings.limits
        precheck(lambda: self._storage.open_reader(job.source), fmt, limits)
        with self._storage.open_reader(job.source) as stream:
            rows = open_rows(stream, fmt, limits)
            # Reading and validating run a batch ahead while this thread waits on the database;
            # `closing` stops the reader before its stream closes, whatever ends the loop.
            fast = compiled(resource, lax=fmt is Format.CSV)
            with closing(read_ahead(self._checked(resource, rows, job.checkpoint, fast))) as batches:
                self._write_all(job, resource, batches, lease, stopping)
        job.complete(self._clock.now())
        self._jobs.save(job)

    def _write_all(self, job: Job, resource: Resource, batches: Iterator[Batch],
                   lease: Lease | None, stopping: Callable[[], bool]) -> None:
        seen: dict[Any, Record] | None = {} if job.dry_run else None
        for batch in batches:
            self._warn_unknown(job, resource, batch.new_columns)
            self._write(job, resource, batch, seen)
            if lease is not None and not lease.renew():
                raise LeaseLost(job.id)
            if stopping():
                raise WorkerStopping(job.id)

    def _checked(self, resource: Resource, reader: RowReader, checkpoint: int,
                 fast: FastValidator) -> Iterator[Batch]:
        """The rows after `checkpoint`, validated, a batch at a time (runs ahead, in a thread)."""
        size, looked_at = self._settings.batch_size, 0
        items: list[SourceRow | MalformedRow] = []
        for item in reader:
            if item.number <= checkpoint:
                continue  # committed before a restart
            items.append(item)
            if len(items) >= size:
                yield _batch(resource, items, reader, looked_at, fast)
                looked_at, items = len(reader.columns), []
        if items:
            yield _batch(resource, items, reader, looked_at, fast)

    def _warn_unknown(self, job: Job, resource: Resource, columns: Sequence[str]) -> None:
        for column in unknown_columns(resource, columns):
            job.warn(f"unknown column {column!r} was ignored")

    def _write(self, job: Job, resource: Resource, batch: Batch,
               seen: dict[Any, Record] | None) -> None:
        errors, valid = list(batch.errors), list(batch.valid)
        raw_by_row = {c.number: c.raw for c in valid}
        valid, missing = check_references(resource, valid, self._found_references(resource, valid))
        errors.extend((e, raw_by_row.get(e.row)) for e in missing)
        plan = self._plan(job, resource, valid, seen)
        errors.extend((e, raw_by_row.get(e.row)) for e in plan.errors)
        errors.sort(key=lambda pair: pair[0].row)
        errors = [(e.brief(), raw) for e, raw in errors]  # jobs show a preview, reports the row
        outcome = BatchOutcome(
            created=plan.created, updated=plan.updated, skipped=plan.skipped,
            failed=len({e.row for e, _ in errors}), rows=batch.rows, bytes_read=batch.bytes_read,
        )
        job.record_batch(outcome, [e for e, _ in errors], self._clock.now())
        if job.dry_run:
            self._records.commit_batch(job, (), errors)
            return
        found = self._records.commit_batch(job, plan.writes, errors, plan.creates)
        if found:
            job.counters = job.counters.settled(found)

    def _found_references(self, resource: Resource, rows: Sequence[Checked]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for ref in resource.references:
            wanted = {r.record[ref.field] for r in rows
                      if r.record is not None and ref.field in r.record}
            found[ref.field] = self._records.existing_ids(RESOURCES[ref.resource], wanted)
        return found

    def _plan(self, job: Job, resource: Resource, rows: list[Checked],
              seen: dict[Any, Record] | None) -> BatchPlan:
        keys, ids = keys_of(resource, rows)
        by_key, by_id = self._records.lookup(resource, keys, ids)
        if seen is not None:  # a dry run writes nothing, so it remembers what it would have
            by_key = {**by_key, **{k: Stored(as_stored(resource, seen[k], by_key.get(k)), job.id)
                                   for k in keys if k in seen}}
        plan = plan_batch(resource, rows, by_key, by_id, job.id, self._ids.new_id)
        if seen is not None:
            kept = _remembered(resource)
            for write in plan.writes:
                k = write[resource.key]
                whole = as_stored(resource, write, by_key.get(k))
                seen[k] = {name: whole[name] for name in kept}
        return plan


def _remembered(resource: Resource) -> tuple[str, ...]:
    """What a dry run keeps of each record it would write: enough to plan a later row of the
    same key as the import would (its id, and the fields the rules read), little enough for
    a million keys."""
    return tuple(dict.fromkeys(("id", resource.key, *(n for r in resource.rules for n in r.reads))))

__all__ = ["ImportPipeline", "LeaseLost", "WorkerStopping"]
