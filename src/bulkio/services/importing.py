"""The import pipeline: read a stored source, validate, check references, plan, commit.

Each batch commits its records, its row errors, the job's counters and its checkpoint in one
fenced transaction, so a recovered job resumes exactly after the last committed batch.

A plan is made from a look-up, and another job may commit between the look-up and the write
something the plan could not foresee (a new key taking an id this batch gives another key).
The store then refuses the write (`Conflict`); the batch is planned again from a fresh look-up,
where the row that lost the race is a row error, and written again, at most `REPLANS` times.
From then on each batch is planned right before its write (see `ImportPipeline`).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import datetime

import attrs
from attrs import frozen

from bulkio.domain.errors import Conflict, SourceUnreadable, StaleJob
from bulkio.domain.batches import ErrorWithRow, PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.resources import RESOURCES, Resource, resource_named
from bulkio.domain.rows import ErrorCode, MalformedRow, RowError, SourceRow
from bulkio.domain.upsert import (
    check_references,
    keys_of,
    plan_batch,
)
from bulkio.domain.validation import Checked, unknown_columns, validate
from bulkio.formats import Format, RowReader, open_rows, precheck
from bulkio.formats.values import guarded_columns
from bulkio.ports.batches import BatchWriter
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.jobs import JobRepository
from bulkio.ports.lock import Lease
from bulkio.ports.records import RecordStore
from bulkio.ports.storage import FileStorage
from bulkio.ports.metrics import JobMetrics
from bulkio.services.chunking import cancelled_with_its_split_job
from bulkio.services.compiled_validation import FastValidator, compiled
from bulkio.services.errors import LeaseLost, WorkerStopping
from bulkio.services.observing import NO_METRICS
from bulkio.services.read_ahead import read_ahead
from bulkio.services.settings import JobSettings
from bulkio.services.unwritten import Unwritten
from bulkio.services.wrong_shape import wrong_shape

log = logging.getLogger("bulkio.import")

# Fresh plans of one batch whose write the store refused (`Conflict`) before the job gives up:
# each follows a look-up made after the write that got in the way, so only jobs that keep
# taking this batch's ids in the instant between its look-up and its write exhaust them.
REPLANS = 3


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
        result = check_row(resource, item, fast)
        if result.record is None:
            errors.extend((e, result.raw) for e in result.errors)
        else:
            valid.append(result)
    return Batch(tuple(valid), tuple(errors), len(items), reader.bytes_read,
                 tuple(reader.columns[looked_at:]))


def check_row(resource: Resource, row: SourceRow, fast: FastValidator | None = None) -> Checked:
    """The `fast` path (if given), else `validate`, which explains a row the fast path left to
    it; behind a fault barrier: whatever goes wrong checking one row is that row's error
    (`internal_error`, logged without its values) and never ends the job."""
    try:
        record = None if fast is None else fast(row.values)
        if record is not None:
            return Checked(row.number, record, (), row.values, row.line)
        return validate(resource, row)
    except Exception as err:
        where = traceback.extract_tb(err.__traceback__)[-1]  # the place, not the message: it
        log.error("checking row %d of a %s file failed: %s at %s:%s",  # may quote the values
                  row.number, resource.name, type(err).__name__, where.filename, where.lineno)
        error = RowError(row.number, None, ErrorCode.INTERNAL_ERROR,
                         "This row could not be checked (an internal error, logged)", None, row.line)
        return Checked(row.number, None, (error,), row.values, row.line)


@frozen
class Planned:
    """A batch planned on the read-ahead thread, ready for the writer: `number` counts the
    job's batches from 1, `batch` is what the writer commits (its time is set when written),
    `checked` the rows it comes from, `ahead` whether it was planned on the read-ahead thread
    (`batch` is None when that thread left the planning to the writer), `new_columns` and
    `guarded` are the warnings it brings (columns first seen; CSV columns holding a `'` before a
    formula character)."""

    number: int
    batch: PlannedBatch | None
    checked: Batch
    ahead: bool
    new_columns: tuple[str, ...]
    guarded: tuple[str, ...]


class ImportPipeline:
    """Runs one import job that a worker has already claimed.

    Two threads share the work: the read-ahead thread reads and validates each batch, and where
    the record store reads cheaply beside a write (`RecordStore.reads_while_writing`) it also
    looks the batch up and plans it (`Planned`), while the job's own thread commits the batch
    before it. What the planned but uncommitted batches write is laid over every look-up
    (`Unwritten`), so a batch is planned as if the ones before it were already stored.

    When the store refuses a write because another job got in between (`Conflict`, see the
    module), the plans made ahead rest on a batch that will now be written otherwise: the
    batch and every one after it are planned again on the job's own thread, each from a look-up
    made once the batches before it committed, and the read-ahead thread only reads and
    validates from then on."""

    def __init__(self, jobs: JobRepository, records: RecordStore, batches: BatchWriter,
                 storage: FileStorage, clock: Clock, ids: IdGenerator, settings: JobSettings,
                 metrics: JobMetrics = NO_METRICS) -> None:
        self._jobs, self._records, self._batches, self._storage = jobs, records, batches, storage
        self._clock, self._ids, self._settings = clock, ids, settings
        self._metrics = metrics

    def run(self, job: Job, lease: Lease | None = None,
            stopping: Callable[[], bool] = never) -> None:
        """Import every row after the job's checkpoint; leaves the job completed.

        Between batches it renews the lease and honours `stopping` (`WorkerStopping`)."""
        assert job.source is not None
        resource = resource_named(job.resource)
        fmt = Format(job.format)
        limits = self._settings.limits
        precheck(lambda: self._storage.open_reader(job.source), fmt, limits)
        with self._storage.open_reader(job.source) as stream, self._records.held() as store:
            unwritten = Unwritten(resource, job.id, job.dry_run, ahead=store.reads_while_writing)
            rows = open_rows(stream, fmt, limits, job.delimiter)
            # Reading and validating (and planning, where the store reads cheaply beside a
            # write) run a batch ahead while this thread waits on the database; `closing` stops
            # the reader before its stream and the planner's store close, whatever ends the loop.
            fast = compiled(resource, lax=fmt is Format.CSV)
            checked = self._checked(resource, rows, job.checkpoint, job.last_row, fast)
            serial = threading.Event()  # set: plans made ahead are no longer used
            if store.reads_while_writing:  # planned on the read-ahead thread too
                ahead = read_ahead(self._planned(job, resource, fmt, checked, unwritten, store,
                                                 serial))
                planned: Iterator[Planned] = ahead
            else:  # planned here, right before each write
                ahead = read_ahead(checked)
                planned = self._planned(job, resource, fmt, ahead, unwritten, store)
                serial.set()
            with closing(ahead):
                self._write_all(job, resource, planned, unwritten, lease, stopping, serial)
        job.complete(self._clock.now())
        self._jobs.save(job)

    def _write_all(self, job: Job, resource: Resource, batches: Iterator[Planned],
                   unwritten: Unwritten, lease: Lease | None, stopping: Callable[[], bool],
                   serial: threading.Event) -> None:
        for planned in batches:
            started = self._clock.now()
            self._warn_unknown(job, resource, planned.new_columns)
            self._warn_guarded(job, planned.guarded)
            if planned.batch is None or (planned.ahead and serial.is_set()):
                planned = self._replanned(job, resource, planned)  # ahead: on stale ground
            outcome = self._write(job, resource, planned, started, serial)
            unwritten.committed(planned.number)
            self._count(job, outcome, (self._clock.now() - started).total_seconds())
            if lease is not None:
                held = lease.renew()
                self._metrics.lease_renewed(held)
                if not held:
                    raise LeaseLost(job.id)
            if stopping():
                raise WorkerStopping(job.id)
            if job.parent_id is not None and \
                    cancelled_with_its_split_job(self._jobs, job, self._clock.now()):
                raise StaleJob(f"chunk {job.id}: its split job {job.report_id} has ended")

    def _write(self, job: Job, resource: Resource, planned: Planned, started: datetime,
               serial: threading.Event) -> BatchOutcome:
        """Write the batch; when the store refuses it (`Conflict`), plan it again from a fresh
        look-up and write that, at most `REPLANS` times, and set `serial`."""
        for replans in range(REPLANS + 1):
            assert planned.batch is not None
            try:
                return self._batches.write(job, attrs.evolve(planned.batch, at=started))
            except StaleJob:
                raise
            except Conflict as err:
                if replans == REPLANS:
                    raise
                log.warning("job %s: batch %d was refused (%s): another job wrote since its "
                            "look-up; planned again", job.id, planned.number, type(err).__name__)
                serial.set()
                planned = self._replanned(job, resource, planned)
        raise AssertionError("unreachable")

    def _replanned(self, job: Job, resource: Resource, planned: Planned) -> Planned:
        """`planned` planned again from a fresh look-up: every batch before it is committed,
        so the store alone is the truth and nothing unwritten is laid over it. Read through
        the store itself, not the read-ahead thread's `held` one (never shared by threads)."""
        nothing = Unwritten(resource, job.id, ahead=False)  # remembers nothing: lays nothing over
        batch = self._plan(job, resource, planned.checked, planned.number, nothing, self._records)
        return attrs.evolve(planned, batch=batch, ahead=False)

    def _count(self, job: Job, outcome: BatchOutcome, seconds: float) -> None:
        """Tell the metrics what the batch just committed did, row outcome by row outcome."""
        for name in ("created", "updated", "skipped", "failed"):
            self._metrics.rows(job, name, getattr(outcome, name))
        self._metrics.batch_written(job, seconds)

    def _checked(self, resource: Resource, reader: RowReader, checkpoint: int,
                 last_row: int | None, fast: FastValidator) -> Iterator[Batch]:
        """The rows after `checkpoint` (up to `last_row`, a chunk's end), validated, a batch at
        a time (runs ahead, in a thread). When the file cannot be read past some row, the rows
        before it are the last batch, then `SourceUnreadable` is raised.

        Before the first batch, the columns read so far are checked (`wrong_shape`): a file in
        the wrong shape raises `SourceUnreadable` and nothing is written."""
        size, looked_at, judged = self._settings.batch_size, 0, False
        items: list[SourceRow | MalformedRow] = []
        try:
            for item in reader:
                if item.number <= checkpoint:
                    continue  # committed before a restart, or before a chunk's range
                if last_row is not None and item.number > last_row:
                    break
                items.append(item)
                if len(items) >= size:
                    judged = judged or _check_shape(resource, reader, item.number)
                    yield _batch(resource, items, reader, looked_at, fast)
                    looked_at, items = len(reader.columns), []
        except SourceUnreadable:
            # The rest of the file cannot be read (a gzip stream cut short, say): the rows read
            # before the fault are still imported, then the job fails with the reason.
            if items:
                judged or _check_shape(resource, reader, items[-1].number)
                yield _batch(resource, items, reader, looked_at, fast)
            raise
        if not judged:
            _check_shape(resource, reader, items[-1].number if items else 0)
        if items:
            yield _batch(resource, items, reader, looked_at, fast)

    def _planned(self, job: Job, resource: Resource, fmt: Format, batches: Iterator[Batch],
                 unwritten: Unwritten, store: RecordStore,
                 serial: threading.Event | None = None) -> Iterator[Planned]:
        """Each batch checked against references and the store, and planned (on whichever
        thread iterates it). On the read-ahead thread (`serial` given) planning stops once
        `serial` is set: the writer plans each batch itself from then on."""
        for number, batch in enumerate(batches, start=1):
            # A CSV import keeps a `'` before a formula character as written
            # (`formats.values.neutralized` adds one on export): the writer says so.
            guarded = (tuple(sorted(guarded_columns(c.record for c in batch.valid if c.record)))
                       if fmt is Format.CSV else ())
            plan = None if serial is not None and serial.is_set() else \
                self._plan(job, resource, batch, number, unwritten, store)
            yield Planned(number, plan, batch, serial is not None, batch.new_columns, guarded)

    def _warn_unknown(self, job: Job, resource: Resource, columns: Sequence[str]) -> None:
        for column in unknown_columns(resource, columns):
            job.warn(f"unknown column {column!r} was ignored")

    def _warn_guarded(self, job: Job, columns: Sequence[str]) -> None:
        for column in columns:
            job.warn(f"column {column!r} has values that start with ' before =, +, -, @, tab or "
                     "CR, as CSV exports write formula-like text; they were imported with the ' "
                     "(NDJSON, JSON or keepFormulas exports round-trip exactly)")

    def _plan(self, job: Job, resource: Resource, batch: Batch, number: int,
              unwritten: Unwritten, store: RecordStore) -> PlannedBatch:
        errors, valid = list(batch.errors), list(batch.valid)
        raw_by_row = {c.number: c.raw for c in valid}
        valid, missing = check_references(resource, valid,
                                          _found_references(store, resource, valid))
        errors.extend((e, raw_by_row.get(e.row)) for e in missing)
        keys, ids = keys_of(resource, valid)
        by_key, by_id = unwritten.lay_over(lambda: store.lookup(resource, keys, ids),
                                           keys, ids)
        plan = plan_batch(resource, valid, by_key, by_id, job.id, self._ids.new_id)
        unwritten.add(number, plan.writes, by_key)
        errors.extend((e, raw_by_row.get(e.row)) for e in plan.errors)
        if missing or plan.errors:  # found after validation: they name the row's line too
            line_of = {c.number: c.line for c in batch.valid}
            errors = [(attrs.evolve(e, line=line_of.get(e.row)) if e.line is None else e, raw)
                      for e, raw in errors]
        errors.sort(key=lambda pair: pair[0].row)
        errors = [(e.brief(), raw) for e, raw in errors]  # jobs show a preview, reports the row
        outcome = BatchOutcome(
            created=plan.created, updated=plan.updated, skipped=plan.skipped,
            failed=len({e.row for e, _ in errors}), rows=batch.rows, bytes_read=batch.bytes_read,
        )
        if job.dry_run:  # counted as planned, nothing written
            return PlannedBatch(outcome, self._clock.now(), errors=tuple(errors))
        return PlannedBatch(outcome, self._clock.now(), plan.writes, tuple(errors), plan.creates)


def _found_references(store: RecordStore, resource: Resource,
                      rows: Sequence[Checked]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for ref in resource.references:
        wanted = {r.record[ref.field] for r in rows if r.record is not None and ref.field in r.record}
        found[ref.field] = store.existing_ids(RESOURCES[ref.resource], wanted)
    return found


def _check_shape(resource: Resource, reader: RowReader, rows: int) -> bool:
    """True once the columns of the first `rows` rows passed `wrong_shape`."""
    reason = wrong_shape(resource, reader.columns, reader.delimiter, rows)
    if reason is not None:
        raise SourceUnreadable(reason)
    return True


__all__ = ["ImportPipeline", "check_row"]
