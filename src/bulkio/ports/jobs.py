"""Where jobs live."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from attrs import frozen

from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.domain.rows import RowError
from bulkio.domain.webhooks import Delivery


@frozen
class JobFilter:
    """Which jobs a listing returns; `after` is the cursor (the last id of the previous page)."""

    kind: JobKind | None = None
    status: JobStatus | None = None
    resource: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    after: str | None = None
    limit: int = 50


JobMove = Callable[[Job], bool]
"""A domain move applied to a job read afresh; False leaves the job as it is (nothing saved)."""


class JobRepository(Protocol):
    """Jobs and their error reports, with optimistic locking on `Job.version`."""

    def add(self, job: Job) -> None:
        """Store a new job."""

    def get(self, job_id: str) -> Job:
        """The job with this id, or `NotFound`."""

    def save(self, job: Job, wait: bool = True) -> None:
        """Write the job if nobody changed it since it was read (else `StaleJob`); bumps version.

        Waits a short, bounded time for a job another transaction is writing, or not at all
        when `wait` is false; then raises `Busy`."""

    def update(self, job_id: str, move: JobMove, wait: bool = True) -> Job | None:
        """Read the job, apply `move`, save it fenced: the one way to change a job someone else
        may be writing. A `StaleJob` reads afresh and applies `move` again, a bounded number of
        times (each retry logged), then propagates. Returns the saved job, or None when `move`
        declined; whatever else `move` raises (`InvalidTransition`) propagates at once, and so
        does `Busy` (the row held past the lock timeout, or at all when `wait` is false)."""

    def list(self, query: JobFilter) -> Sequence[Job]:
        """Jobs newest first, filtered, one page."""

    def find(self, status: JobStatus, limit: int = 100) -> Sequence[Job]:
        """Jobs in one state, oldest first (for the sweep), without their inline errors and
        warnings: read a job whole (`get`, `update`) to change it."""

    def expired_results(self, now: datetime, limit: int = 100) -> Sequence[Job]:
        """Completed exports whose file is still kept but expired by `now`, oldest first."""

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> Sequence[RowError]:
        """One page of a job's row errors, in row order."""

    def error_rows(self, job_id: str) -> Iterator[tuple[RowError, dict | None]]:
        """Every row error of a job with the raw row it came from, in row order (streamed)."""

    def add_delivery(self, delivery: Delivery) -> None:
        """Record one webhook delivery attempt of a job."""

    def deliveries(self, job_id: str) -> Sequence[Delivery]:
        """A job's webhook delivery attempts, oldest first."""
