"""Reading and steering jobs: get, list, cancel, error pages, error report, export result."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import BinaryIO

from attrs import define

from bulkio.domain.errors import Busy, InvalidRequest, NotFound, StaleJob, Unavailable
from bulkio.domain.jobs import INLINE_ERRORS, Job, JobKind, JobStatus
from bulkio.domain.resources import resource_named
from bulkio.domain.rows import RowError
from bulkio.domain.webhooks import Delivery
from bulkio.formats import Format, encode_error_report
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobFilter, JobRead, JobRepository
from bulkio.ports.queue import JobQueue
from bulkio.ports.storage import FileStorage
from bulkio.services.observing import UNOBSERVED, JobEnds

# Every completed export carries `expires_at`; a file without one gets a URL for this long.
UNDATED_URL_TTL = timedelta(hours=1)


def download_url(storage: FileStorage, job: Job, now: datetime) -> str | None:
    """A URL of `job`'s export file valid from `now` until the job's `expires_at` (or for
    `UNDATED_URL_TTL`); None when the job has no file or the storage gives no URLs (the API
    serves the file itself)."""
    if job.result_key is None:
        return None
    ends = job.expires_at or now + UNDATED_URL_TTL
    seconds = max(1, math.ceil((ends - now).total_seconds()))
    return storage.download_url(job.result_key, seconds)


@define
class JobService:
    """Queries and commands on existing jobs.

    Built as `JobService(jobs, storage, clock, queue, ends=...)`; `ends` reports each job that
    ends here (a cancel): its log line, metrics and webhook.
    """

    _jobs: JobRepository
    _storage: FileStorage
    _clock: Clock
    _queue: JobQueue
    _ends: JobEnds = UNOBSERVED

    def get(self, job_id: str, kind: JobKind | None = None,
            read: JobRead = JobRead.WHOLE) -> Job:
        """The job (`NotFound` if there is none, or it is not of `kind`), the parts `read`
        names."""
        job = self._jobs.get(job_id, read)
        if kind is not None and job.kind is not kind:
            raise NotFound(f"no {kind} job {job_id}")
        return self._as_it_stands(job, errors=read is JobRead.WHOLE)

    def list(self, query: JobFilter) -> Sequence[Job]:
        """One page of jobs, each with its first inline error and warning only
        (`JobRead.LISTING`): `errorCount` says how many errors it has."""
        return [self._as_it_stands(job) for job in self._jobs.list(query)]

    def _as_it_stands(self, job: Job, errors: bool = False) -> Job:
        """`job`, or for a split job still running, what its chunks have done so far (and,
        with `errors`, its first row errors inline)."""
        if job.chunks and job.status is JobStatus.PROCESSING:
            job.count_chunks(self._jobs.chunks_of(job.id))
            if errors:
                job.errors = list(self._jobs.errors(job.id, 0, INLINE_ERRORS))
        return job

    def cancel(self, job_id: str, kind: JobKind | None = None) -> Job:
        """Cancel a pending or running job (`InvalidTransition` once it has ended); a split
        job's chunks are cancelled with it."""
        cancelled = self._move(job_id, kind, Job.cancel)
        try:
            if cancelled.chunks:
                self._cancel_chunks(cancelled)
        finally:
            self._ends(cancelled, self._clock.now())
        return cancelled

    def _cancel_chunks(self, job: Job) -> None:
        """Cancel the cancelled split job's chunks, then count on it what they committed. A
        chunk whose row a batch holds past the lock timeout is left: its next batch, or its
        next claim, finds its split job ended and stops (`JobRunner`)."""
        for chunk in self._jobs.chunks_of(job.id):
            if not chunk.is_terminal:
                try:
                    self._jobs.update(chunk.id, lambda c: c.cancel_unless_ended(self._clock.now()),
                                      read=JobRead.STATE)
                except (Busy, StaleJob):
                    continue
        chunks = self._jobs.chunks_of(job.id)

        def recount(stored: Job) -> bool:
            stored.count_chunks(chunks)
            return True

        try:
            recounted = self._jobs.update(job.id, recount)
        except (Busy, StaleJob):
            return  # the split job shows what it showed; the error report has every row
        if recounted is not None:
            job.counters, job.error_count = recounted.counters, recounted.error_count


    def resume(self, job_id: str, kind: JobKind | None = None) -> Job:
        """Run a failed job again: an import continues after its last committed batch, an
        export starts again. `InvalidTransition` unless the job failed; `Busy` if its row is
        held past the lock timeout."""
        job = self._move(job_id, kind, Job.resume)
        try:
            self._queue.enqueue_run(job.id)
        except Unavailable:
            pass  # the job is pending: the sweep sends it once the queue answers
        return job

    def deliveries(self, job: Job) -> Sequence[Delivery]:
        """The job's webhook delivery attempts so far (none without a callback URL)."""
        return self.deliveries_of([job]).get(job.id, ())

    def deliveries_of(self, jobs: Sequence[Job]) -> Mapping[str, Sequence[Delivery]]:
        """The webhook delivery attempts of each job with a callback URL, by job id, read at
        once (a page of jobs costs one query, not one per job)."""
        wanted = [job.id for job in jobs if job.callback_url]
        return self._jobs.deliveries(wanted) if wanted else {}

    def _move(self, job_id: str, kind: JobKind | None,
              verb: Callable[[Job, datetime], None]) -> Job:
        """Apply a domain verb to the freshest copy of the job, fenced (`JobRepository.update`);
        the job is read whole, since the caller shows it."""
        self.get(job_id, kind, JobRead.STATE)

        def move(job: Job) -> bool:
            verb(job, self._clock.now())
            return True

        moved = self._jobs.update(job_id, move)
        assert moved is not None  # the move never declines
        return moved

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> Sequence[RowError]:
        """One page of the job's row errors in row order: `limit` (at least 1) after the first
        `offset` (at least 0; `InvalidRequest` otherwise). An offset past the last error is an
        empty page, however large (the database's integers end at 2**63 - 1)."""
        if offset < 0 or limit < 1:
            raise InvalidRequest(f"offset must be 0 or more and limit 1 or more, not {offset} "
                                 f"and {limit}")
        job = self.get(job_id, read=JobRead.STATE)
        if offset >= job.error_count:
            return []
        return self._jobs.errors(job_id, offset, limit)

    def error_report(self, job_id: str, fmt: Format, keep_formulas: bool = False) -> Iterator[bytes]:
        """Every failed row with its original values and why it failed, ready to fix and
        re-import; in CSV, formula-like text is neutralized unless `keep_formulas`."""
        job = self.get(job_id, JobKind.IMPORT, JobRead.STATE)
        columns = list(resource_named(job.resource).field_names)
        return encode_error_report(self._jobs.error_rows(job_id), fmt, columns, keep_formulas,
                                   same_keys=job.format == Format.CSV)

    def finished_export(self, job_id: str) -> Job:
        """The export job, if its file is ready (`NotFound` otherwise: not an export, not
        finished, or its file expired); the file itself is not touched."""
        job = self.get(job_id, JobKind.EXPORT, JobRead.STATE)
        if job.status is not JobStatus.COMPLETED or job.result_key is None:
            raise NotFound(f"export {job_id} has no file (it is {job.status})")
        return job

    def open_result(self, job_id: str) -> tuple[Job, BinaryIO]:
        """The finished export (`finished_export`) and its file, opened for reading."""
        job = self.finished_export(job_id)
        return job, self.export_file(job)

    def export_file(self, job: Job) -> BinaryIO:
        """The file of an export `finished_export` returned, opened for reading."""
        assert job.result_key is not None
        return self._storage.open_reader(job.result_key)

    def download_url(self, job: Job) -> str | None:
        """A URL of the export's file that stays valid until the job's `expires_at` (None when
        the API must serve the file itself)."""
        return download_url(self._storage, job, self._clock.now())
