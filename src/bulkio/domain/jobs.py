"""Import and export jobs: one state machine, counters, metrics, checkpoint and lease.

    pending ──▶ processing ──▶ completed | failed | cancelled
       │  ▲          │
       │  └──────────┘  recover: a stale job whose worker died goes back to pending
       └──▶ failed | cancelled

`completed` may carry failed rows; `failed` means the job could not run at all and says why.
Time always comes in as an argument: the model never reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from attrs import define, evolve, field, frozen

from bulkio.domain.errors import InvalidTransition
from bulkio.domain.rows import RowError

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
    READING = "reading"
    WRITING = "writing"
    DONE = "done"


TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.PROCESSING, JobStatus.FAILED, JobStatus.CANCELLED}),
    JobStatus.PROCESSING: frozenset(
        {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.PENDING}
    ),
    JobStatus.COMPLETED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


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

    def settled(self, found: int) -> Counters:
        """These counters once `found` rows planned as new turned out to exist already (another
        job wrote their key between this batch's look-up and its write): they were updates."""
        return evolve(self, created=self.created - found, updated=self.updated + found)


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
    dry_run: bool = False
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
    attempts: int = 0
    checkpoint: int = 0  # source rows whose outcome is committed; a resumed job skips them
    resumed_from: int = 0
    started_at: datetime | None = None  # the first start
    run_started_at: datetime | None = None  # the start of the current (or last) attempt
    completed_at: datetime | None = None
    result_key: str | None = None
    expires_at: datetime | None = None

    # -- state machine -------------------------------------------------------------------

    def _move(self, target: JobStatus, now: datetime) -> None:
        if target not in TRANSITIONS[self.status]:
            raise InvalidTransition(f"job {self.id} cannot go from {self.status} to {target}")
        self.status = target
        self.updated_at = now

    def start(self, worker: str, now: datetime) -> None:
        """A worker takes the job; a recovered job resumes from its checkpoint."""
        self._move(JobStatus.PROCESSING, now)
        self.locked_by, self.locked_at, self.heartbeat_at = worker, now, now
        self.attempts += 1
        self.resumed_from = self.checkpoint
        self.started_at = self.started_at or now
        self.run_started_at = now
        self.phase = Phase.READING

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
        self.error_count += len(errors)
        room = INLINE_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])
        self.heartbeat_at = self.updated_at = now
        self.phase = Phase.WRITING

    def record_export(self, rows: int, bytes_written: int, now: datetime) -> None:
        self.counters.exported += rows
        self.counters.processed += rows
        self.counters.bytes = bytes_written
        self.heartbeat_at = self.updated_at = now
        self.phase = Phase.WRITING

    def heartbeat(self, now: datetime) -> None:
        self.heartbeat_at = self.updated_at = now

    def warn(self, message: str) -> None:
        """Keep a warning once; a file with endless odd columns stops adding them at a limit."""
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

    def fail(self, reason: str, now: datetime) -> None:
        self._move(JobStatus.FAILED, now)
        self.failure = reason
        self._finish(now)

    def cancel(self, now: datetime) -> None:
        self._move(JobStatus.CANCELLED, now)
        self._finish(now)

    def recover(self, now: datetime) -> None:
        """Back to pending after its worker died; it will resume from the checkpoint."""
        self._move(JobStatus.PENDING, now)
        self.locked_by = self.locked_at = None
        self.phase = Phase.QUEUED

    def expire_result(self, now: datetime) -> None:
        """The export's file was deleted at the end of its retention (`expires_at`)."""
        self.result_key = None
        self.updated_at = now

    def _finish(self, now: datetime) -> None:
        self.completed_at = now
        self.locked_by = self.locked_at = None
        self.phase = Phase.DONE

    # -- derived views -------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def is_stale(self, now: datetime, threshold: timedelta) -> bool:
        beat = self.heartbeat_at or self.locked_at or self.updated_at
        return self.status is JobStatus.PROCESSING and now - beat > threshold

    def progress(self) -> float:
        """Percent done: by rows for exports and finished jobs, by bytes read while importing."""
        if self.status is JobStatus.COMPLETED:
            return 100.0
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
