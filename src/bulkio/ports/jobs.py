"""Where jobs live."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
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


class JobRead(StrEnum):
    """What a job is read for, which names the columns read (and, by `update`, written back).

    A job's inline errors and warnings are the documents that grow with its data: only the
    job's own view and its run read them, so that a sweep, a claim or a job list costs the same
    whatever the jobs it touches hold."""

    WHOLE = "whole"  # every field: to show one job, or to run it
    STATE = "state"  # all but the inline errors and warnings (read as empty): to look at or move
    # a job's state (claim, end, sweep, expire)
    LISTING = "listing"  # the state, the first inline error and the first warning: a list item


JobMove = Callable[[Job], bool]
"""A domain move applied to a job read afresh; False leaves the job as it is (nothing saved)."""


class JobRepository(Protocol):
    """Jobs and their error reports, with optimistic locking on `Job.version`."""

    def add(self, job: Job) -> None:
        """Store a new job."""

    def get(self, job_id: str, read: JobRead = JobRead.WHOLE) -> Job:
        """The job with this id, or `NotFound`; `read` says which parts of it to read."""

    def save(self, job: Job, wait: bool = True, read: JobRead = JobRead.WHOLE) -> None:
        """Write the job if nobody changed it since it was read (else `StaleJob`); bumps version.

        Writes the parts `read` names (`WHOLE` or `STATE`), so a job read in part is saved
        without losing the rest. Waits a short, bounded time for a job another transaction is
        writing, or not at all when `wait` is false; then raises `Busy`."""

    def update(self, job_id: str, move: JobMove, wait: bool = True,
               read: JobRead = JobRead.WHOLE) -> Job | None:
        """Read the job (the parts `read` names), apply `move`, save those parts fenced: the one
        way to change a job someone else may be writing. A `StaleJob` reads afresh and applies
        `move` again, a bounded number of times (each retry logged), then propagates. Returns
        the saved job, or None when `move` declined; whatever else `move` raises
        (`InvalidTransition`) propagates at once, and so does `Busy` (the row held past the
        lock timeout, or at all when `wait` is false)."""

    def split(self, job: Job, chunks: Sequence[Job]) -> None:
        """Save `job` fenced (`save`, `StaleJob` if someone changed it) and add its `chunks`,
        in one transaction: a split is stored whole or not at all."""

    def chunks_of(self, job_id: str) -> Sequence[Job]:
        """The chunk jobs of a split job in row order, read for their state (`JobRead.STATE`)
        but with their warnings."""

    def list(self, query: JobFilter) -> Sequence[Job]:
        """Jobs newest first, filtered, one page, each read for a listing (`JobRead.LISTING`);
        chunk jobs are not listed (their split job is)."""

    def find(self, status: JobStatus, limit: int = 100) -> Sequence[Job]:
        """Jobs in one state, oldest first (for the sweep), read for their state
        (`JobRead.STATE`)."""

    def expired_results(self, now: datetime, limit: int = 100) -> Sequence[Job]:
        """Completed exports whose file is still kept but expired by `now`, oldest first, read
        for their state (`JobRead.STATE`)."""

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> Sequence[RowError]:
        """One page of a job's row errors, in row order."""

    def error_rows(self, job_id: str) -> Iterator[tuple[RowError, dict | None]]:
        """Every row error of a job with the raw row it came from, in row order (streamed)."""

    def add_delivery(self, delivery: Delivery) -> None:
        """Record one webhook delivery attempt of a job."""

    def deliveries(self, job_ids: Collection[str]) -> Mapping[str, Sequence[Delivery]]:
        """The webhook delivery attempts of each of these jobs, oldest first, in one read (a
        listing shows a page of jobs); a job without any is left out."""
