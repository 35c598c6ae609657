"""Import and export jobs: one state machine, counters, metrics, checkpoint and lease.

    pending ──▶ processing ──▶ completed | failed | cancelled
       │  ▲          │
       │  └──────────┘  hand back (stop, lost lease) or recover (its worker died)
       ├──▶ failed | cancelled
       └─◀─ failed      resume: a failed job runs again from its checkpoint

`completed` may carry failed rows; `failed` means the job could not run at all and says why.
Time always comes in as an argument: the model never reads a clock.

A large import may be split into chunk jobs (`new_chunk`), each a job of its own that any worker
claims, checkpoints and recovers like any other and that imports one range of the file's rows;
the split job stays `processing`, with no worker of its own, until its chunks have all ended
(`settle_chunks`), and shows their sum meanwhile (`count_chunks`).

Attempts count only the crashes a job may itself have caused. A claim charges one attempt up
front (so a process that dies however early is counted); a clean hand-back refunds it. A
worker's death is pinned on a job only when that job ran alone in its process: the others that
ran beside it become suspects, are refunded, and run alone until they end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from attrs import define, field, frozen

from bulkio.domain.errors import InvalidTransition
from bulkio.domain.rows import RowError, brief, showable

INLINE_ERRORS = 100
MAX_WARNINGS = 50


class JobStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobKind(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class Phase(StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"  # a dependency (database, storage, lock) is away; retried with backoff
    READING = "reading"
    WRITING = "writing"
    DONE = "done"


TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.PROCESSING, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.PROCESSING: frozenset(
        {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.PENDING}
    ),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset({JobStatus.PENDING}),  # only by `resume`, asked for by a user
    JobStatus.CANCELLED: frozenset(),
}
# Ended: no worker or sweep moves such a job again.
TERMINAL = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})


@frozen
class BatchOutcome:
    """What one written batch did to the database and how far it got in the source."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    rows: int = 0  # source rows consumed by the batch (all of the above, once each)
    bytes_read: int = 0  # position in the source after the batch


@define
class Counters:
    total: int = 0
    processed: int = 0
    successful: int = 0
    failed: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    exported: int = 0
    bytes: int = 0


@define
class Job:
    """A unit of import or export work; the database row is its source of truth."""

    id: str
    kind: JobKind
    resource: str
    format: str
    created_at: datetime
    updated_at: datetime
    status: JobStatus = JobStatus.PENDING
    phase: Phase = Phase.QUEUED
    source: str | None = None  # storage key of the file to import
    source_name: str | None = None  # the uploaded file's name
    source_url: str | None = None  # a remote import's URL, fetched into `source` when it runs
    source_size: int | None = None
    callback_url: str | None = None  # where the job's webhook goes when it ends
    dry_run: bool = False
    delimiter: str | None = None  # a CSV import's field delimiter; None: detect it from the header
    keep_formulas: bool = False  # a CSV export writes formula-like cells raw (no neutralizing)
    filters: dict[str, Any] = field(factory=dict)
    fields: tuple[str, ...] | None = None
    counters: Counters = field(factory=Counters)
    errors: list[RowError] = field(factory=list)
    error_count: int = 0
    warnings: list[str] = field(factory=list)
    failure: str | None = None
    version: int = 0
    locked_by: str | None = None
    locked_at: datetime | None = None
    heartbeat_at: datetime | None = None
    attempts: int = 0  # crashes pinned on this job, plus one while it runs
    runs: int = 0  # claims, whatever ended them: names one run for the fencing of its end
    suspect: bool = False  # was running when its worker died: runs alone until it ends
    alone: bool = False  # the current (or last) run had its process to itself
    waiting_for: str | None = None  # the dependency the job waits for, and why
    waiting_since: datetime | None = None  # when the current outage was first seen
    checkpoint: int = 0  # source rows whose outcome is committed; a resumed job skips them
    parent_id: str | None = None  # a chunk: the job it is part of, whose report gets its errors
    first_row: int | None = None  # a chunk: its first source row (1-based) ...
    last_row: int | None = None  # ... and its last
    chunks: int = 0  # a split job: how many chunk jobs import its rows
    resumed_from: int = 0
    started_at: datetime | None = None  # the first start
    run_started_at: datetime | None = None  # the start of the current (or last) attempt
    completed_at: datetime | None = None
    result_key: str | None = None
    expires_at: datetime | None = None

    # -- state machine -------------------------------------------------------------------

    def _move(self, target: JobStatus, now: datetime, only_from: JobStatus | None = None) -> None:
        if target not in TRANSITIONS[self.status] or only_from not in (None, self.status):
            raise InvalidTransition(f"job {self.id} cannot go from {self.status} to {target}")
        self.status = target
        self.updated_at = now

    def start(self, worker: str, now: datetime, alone: bool = False) -> None:
        """A worker takes the job; a recovered job resumes from its checkpoint.

        The claim charges an attempt at once; `hand_back` refunds it. `alone` says the worker
        runs no other job while it runs this one (so a crash can be pinned on it)."""
        self._move(JobStatus.PROCESSING, now)
        self.locked_by, self.locked_at, self.heartbeat_at = worker, now, now
        self.attempts += 1
        self.runs += 1
        self.alone = alone
        self.resumed_from = self.checkpoint
        self.started_at = self.started_at or now
        self.run_started_at = now
        self.phase = Phase.READING

    def new_chunk(self, chunk_id: str, first_row: int, last_row: int, now: datetime) -> Job:
        """A pending chunk job importing rows `first_row` to `last_row` (1-based, inclusive) of
        this import's file: it starts with the rows before `first_row` as its checkpoint, and
        its row errors go to this job's report (`report_id`)."""
        return Job(
            id=chunk_id, kind=self.kind, resource=self.resource, format=self.format,
            created_at=now, updated_at=now, source=self.source, source_name=self.source_name,
            source_size=self.source_size, dry_run=self.dry_run, delimiter=self.delimiter,
            parent_id=self.id, checkpoint=first_row - 1, resumed_from=first_row - 1,
            first_row=first_row, last_row=last_row,
        )

    def await_chunks(self, chunks: int, total_rows: int, now: datetime) -> None:
        """This running import was split into `chunks` chunk jobs over `total_rows` rows (or a
        split job's failed chunks were resumed): it stays `processing` without a worker of its
        own, never stale, and its run's attempt is refunded (its chunks count their own)."""
        if self.status is not JobStatus.PROCESSING:
            raise InvalidTransition(f"job {self.id} is {self.status}, not running")
        self.chunks = chunks
        self.counters.total = total_rows
        self.attempts = max(0, self.attempts - 1)
        self.locked_by = self.locked_at = None
        self.waiting_for = self.waiting_since = None
        self.phase = Phase.WRITING
        self.heartbeat_at = self.updated_at = now

    def count_chunks(self, chunks: Sequence[Job]) -> None:
        """Show what this split job's chunks have done so far: counters, error count, warnings."""
        total = self.counters.total
        self.counters = Counters(total=total)
        self.error_count = 0
        for chunk in chunks:
            for name in ("processed", "successful", "failed", "skipped", "created", "updated"):
                setattr(self.counters, name,
                        getattr(self.counters, name) + getattr(chunk.counters, name))
            self.counters.bytes = max(self.counters.bytes, chunk.counters.bytes)
            self.error_count += chunk.error_count
            for warning in chunk.warnings:
                self.warn(warning)

    def settle_chunks(self, chunks: Sequence[Job], first_errors: list[RowError],
                      now: datetime) -> bool:
        """End this split job once every chunk has ended: completed when they all completed,
        else failed with the first failed chunk's reason (`resume` runs the failed chunks
        again), with their counters summed and `first_errors` inline. False (nothing changed)
        while a chunk runs, or when this job is no longer running (cancelled)."""
        if (self.status is not JobStatus.PROCESSING or self.locked_by is not None
                or not all(c.is_terminal for c in chunks)):
            return False  # ended, or a run of its own holds it (its chunks being resumed)
        self.count_chunks(chunks)
        self.errors = list(first_errors[:INLINE_ERRORS])
        failed = [c for c in chunks if c.status is not JobStatus.COMPLETED]
        if not failed:
            self.complete(now)
            return True
        chunk = min(failed, key=lambda c: c.first_row or 0)
        what = "cancelled" if chunk.status is JobStatus.CANCELLED else chunk.failure
        self._move(JobStatus.FAILED, now)
        self.failure = (f"rows {chunk.first_row} to {chunk.last_row} (one of its {len(chunks)} "
                        f"chunks): {what}")
        self._finish(now)
        return True

    @property
    def report_id(self) -> str:
        """The job whose error report gets this job's row errors: its own, or a chunk's parent."""
        return self.parent_id or self.id

    def record_batch(self, outcome: BatchOutcome, errors: list[RowError], now: datetime) -> None:
        """Count a committed batch, keep the first errors inline, move the checkpoint."""
        c = self.counters
        c.created += outcome.created
        c.updated += outcome.updated
        c.successful += outcome.created + outcome.updated
        c.skipped += outcome.skipped
        c.failed += outcome.failed
        c.processed += outcome.rows
        c.bytes = max(c.bytes, outcome.bytes_read)
        self.checkpoint += outcome.rows
        self.waiting_for = self.waiting_since = None
        self.error_count += len(errors)
        room = INLINE_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])
        self.heartbeat_at = self.updated_at = now
        self.phase = Phase.WRITING

    def record_export(self, rows: int, bytes_written: int, now: datetime) -> None:
        """Count `rows` exported by this run; an export run again starts its count afresh but
        shows no fewer rows than the run before it had reached (the counts never go back)."""
        self.counters.exported = max(self.counters.exported, rows)
        self.counters.processed = max(self.counters.processed, rows)
        self.counters.bytes = bytes_written
        self.waiting_for = self.waiting_since = None
        self.heartbeat_at = self.updated_at = now
        self.phase = Phase.WRITING

    def heartbeat(self, now: datetime) -> None:
        self.heartbeat_at = self.updated_at = now

    def wait_for(self, dependency: str, now: datetime) -> None:
        """A dependency is away: the running job says so and keeps its place (and its lease)
        while its worker retries; `waiting_since` keeps the start of the outage."""
        if self.status is not JobStatus.PROCESSING:
            raise InvalidTransition(f"job {self.id} is {self.status}, not waiting in a run")
        self.waiting_for = showable(dependency)
        self.waiting_since = self.waiting_since or now
        self.phase = Phase.WAITING
        self.heartbeat_at = self.updated_at = now

    def waited(self, now: datetime) -> timedelta:
        """How long the current outage has lasted (zero when there is none)."""
        return now - self.waiting_since if self.waiting_since else timedelta(0)

    def warn(self, message: str) -> None:
        """Keep a warning once; a file with endless odd columns stops adding them at a limit,
        and a long one (a huge column name) is cut to a preview."""
        message = brief(message)
        if message not in self.warnings and len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    def complete(self, now: datetime, result_key: str | None = None,
                 expires_at: datetime | None = None) -> None:
        self._move(JobStatus.COMPLETED, now)
        self.counters.total = (
            self.counters.exported if self.kind is JobKind.EXPORT else self.counters.processed
        )
        self.result_key, self.expires_at = result_key, expires_at
        self._finish(now)

    def fail(self, reason: str, now: datetime, resumable: bool = True) -> None:
        """End the job for good with `reason`; one that wrote rows says how many, and how to
        go on from there (`resumable`: a `resume` may get further; not when the fault is in the
        file itself)."""
        self._move(JobStatus.FAILED, now)
        reason = showable(reason)  # it may quote the input
        done = self.checkpoint - (self.first_row or 1) + 1 if self.kind is JobKind.IMPORT else 0
        if done > 0 and resumable:  # a chunk counts the rows of its own range
            reason = (f"{reason} ({done} rows were processed before it stopped; "
                      f"resume the job to continue after row {self.checkpoint})")
        elif done > 0:
            reason = f"{reason} ({done} rows before it were processed)"
        self.failure = reason
        self._finish(now)

    def cancel(self, now: datetime) -> None:
        self._move(JobStatus.CANCELLED, now)
        self._finish(now)

    def cancel_unless_ended(self, now: datetime) -> bool:
        """Cancel the job unless it has ended (a move for `JobRepository.update`: False when
        there was nothing to do)."""
        if self.is_terminal:
            return False
        self.cancel(now)
        return True

    def hand_back(self, now: datetime) -> None:
        """Back to pending from a run that stopped cleanly (the worker is stopping, its lease
        lapsed): the run's attempt is refunded, and the next one resumes from the checkpoint."""
        self._move(JobStatus.PENDING, now, only_from=JobStatus.PROCESSING)
        self.attempts -= 1
        self._release()

    def recover(self, now: datetime) -> None:
        """Back to pending after its worker died. The crash counts against this job only if it
        ran alone; otherwise its attempt is refunded and it becomes a suspect, run alone next."""
        self._move(JobStatus.PENDING, now, only_from=JobStatus.PROCESSING)
        if not self.alone:
            self.attempts -= 1
            self.suspect = True
        self._release()

    def resume(self, now: datetime) -> None:
        """Run a failed job again from its checkpoint, with its attempts counted afresh."""
        self._move(JobStatus.PENDING, now, only_from=JobStatus.FAILED)
        self.attempts, self.failure, self.completed_at = 0, None, None
        self.waiting_for = self.waiting_since = None
        self._release()

    def _release(self) -> None:
        self.locked_by = self.locked_at = None
        self.phase = Phase.QUEUED

    def expire_result(self, now: datetime) -> None:
        """The export's file was deleted at the end of its retention (`expires_at`)."""
        self.result_key = None
        self.updated_at = now

    def _finish(self, now: datetime) -> None:
        self.completed_at = now
        self.locked_by = self.locked_at = None
        self.waiting_for = self.waiting_since = None
        self.counters.total = max(self.counters.total, self.counters.processed)
        self.phase = Phase.DONE

    # -- derived views -------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def every_row_failed(self) -> bool:
        """A completed import that had rows and imported none: each one was an error."""
        c = self.counters
        return (self.kind is JobKind.IMPORT and self.status is JobStatus.COMPLETED
                and c.processed > 0 and c.failed == c.processed)

    def is_stale(self, now: datetime, threshold: timedelta) -> bool:
        """Running without a heartbeat for longer than `threshold` (a split job run by its
        chunks never is; one that a run of its own holds, resuming its chunks, may be)."""
        beat = self.heartbeat_at or self.locked_at or self.updated_at
        own_run = not self.chunks or self.locked_by is not None
        return self.status is JobStatus.PROCESSING and own_run and now - beat > threshold

    def progress(self) -> float:
        """Percent done: by rows for exports and finished jobs, by bytes read while importing."""
        if self.status is JobStatus.COMPLETED:
            return 100.0
        if self.chunks and self.counters.total:  # rows counted when it was split
            return round(min(99.9, 100.0 * self.counters.processed / self.counters.total), 1)
        if self.kind is JobKind.IMPORT and self.source_size:
            return round(min(99.9, 100.0 * self.counters.bytes / self.source_size), 1)
        if self.kind is JobKind.EXPORT and self.counters.total:
            return round(min(99.9, 100.0 * self.counters.exported / self.counters.total), 1)
        return 0.0

    def metrics(self, now: datetime) -> Metrics:
        end = self.completed_at or now
        seconds = (end - self.started_at).total_seconds() if self.started_at else 0.0
        run_start = self.run_started_at or self.started_at
        run_seconds = (end - run_start).total_seconds() if run_start else 0.0
        rows = self.counters.processed - self.resumed_from if self.kind is JobKind.IMPORT \
            else self.counters.exported
        rate = rows / run_seconds if run_seconds > 0 else 0.0
        error_rate = self.counters.failed / self.counters.processed if self.counters.processed else 0.0
        eta = None
        if self.status is JobStatus.PROCESSING:
            done = self.progress()
            # The share of the progress made by this run (a resumed run started part-way),
            # taking rows as evenly spread over the file.
            processed = self.counters.processed
            done_now = done * (processed - self.resumed_from) / processed if processed else 0.0
            if 0 < done_now and 0 < done < 100 and run_seconds > 0:
                eta = run_seconds * (100 - done) / done_now
        return Metrics(
            rows_per_second=round(rate, 1),
            error_rate=round(error_rate, 4),
            duration_ms=int(seconds * 1000),
            total_bytes=self.counters.bytes,
            eta_seconds=None if eta is None else round(eta, 1),
        )


@frozen
class Metrics:
    rows_per_second: float
    error_rate: float
    duration_ms: int
    total_bytes: int
    eta_seconds: float | None
