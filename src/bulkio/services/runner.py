"""Running a job: take the lease, claim the job, run its pipeline, record how it ended."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from bulkio.domain.errors import InvalidRequest, SourceUnreadable, StaleJob, Unavailable
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRepository
from bulkio.ports.lock import JobLock
from bulkio.services.exporting import ExportPipeline
from bulkio.services.fetching import SourceFetcher
from bulkio.services.importing import ImportPipeline, LeaseLost, WorkerStopping
from bulkio.services.settings import JobSettings

log = logging.getLogger("bulkio.runner")


def job_metrics(job: Job, now: datetime) -> str:
    """One key=value line a log pipeline can parse: what the job did and how fast."""
    c, m = job.counters, job.metrics(now)
    fields = {
        "event": "job_finished", "job": job.id, "kind": job.kind, "resource": job.resource,
        "status": job.status, "rows": c.processed, "created": c.created, "updated": c.updated,
        "skipped": c.skipped, "failed": c.failed, "exported": c.exported, "bytes": c.bytes,
        "rows_per_second": m.rows_per_second, "error_rate": m.error_rate,
        "duration_ms": m.duration_ms, "attempts": job.attempts,
    }
    return " ".join(f"{key}={value}" for key, value in fields.items())


class JobRunner:
    """Runs jobs by id; safe to call for any id any number of times, from any worker."""

    def __init__(self, jobs: JobRepository, lock: JobLock, clock: Clock, imports: ImportPipeline,
                 exports: ExportPipeline, fetcher: SourceFetcher, settings: JobSettings) -> None:
        self._jobs, self._lock, self._clock = jobs, lock, clock
        self._imports, self._exports, self._fetcher = imports, exports, fetcher
        self._settings = settings
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Ask running jobs to stop after their current batch; they go back to pending and
        resume from their checkpoint on the next worker."""
        self._stopping.set()

    def run(self, job_id: str) -> None:
        """Run the job if it is pending and nobody else holds it; otherwise do nothing."""
        with self._lock.hold(job_id, self._settings.worker_id) as lease:
            if lease is None:
                self._held_elsewhere(job_id)
                return
            job = self._claim(job_id)
            if job is None:
                return
            log.info("job %s: attempt %d taken by %s, starting after row %d",
                     job_id, job.attempts, self._settings.worker_id, job.resumed_from)
            try:
                if job.kind is JobKind.IMPORT:
                    self._fetcher.ensure_local(job)
                    self._imports.run(job, lease, self._stopping.is_set)
                else:
                    self._exports.run(job, self._stopping.is_set)
                log.info("job %s: attempt %d %s", job_id, job.attempts, job.status)
                log.info("%s", job_metrics(job, self._clock.now()))
            except WorkerStopping:
                self._end(job, lambda j: j.recover(self._clock.now()))
                raise Unavailable(f"job {job_id} paused: this worker is stopping") from None
            except StaleJob:
                log.warning("job %s was taken over or cancelled; this worker stops", job_id)
            except LeaseLost:
                # The lock said so, perhaps only because Redis blinked: hand the job back (unless
                # another attempt has it already) and let the queue retry.
                self._end(job, lambda j: j.recover(self._clock.now()))
                raise Unavailable(f"job {job_id}: the lease was lost; retrying") from None
            except (SourceUnreadable, InvalidRequest) as err:
                why = str(err)
                self._end(job, lambda j: j.fail(why, self._clock.now()))
            except Unavailable:
                self._end(job, lambda j: j.recover(self._clock.now()))
                raise  # the queue retries with backoff
            except Exception as err:
                log.exception("job %s failed unexpectedly", job_id)
                reason = f"internal error: {type(err).__name__}: {err}"
                self._end(job, lambda j: j.fail(reason, self._clock.now()))

    def _held_elsewhere(self, job_id: str) -> None:
        """A busy job needs nothing more; a pending one is locked by a holder that died and
        whose lease has not lapsed yet (the sweep recovered it first): ask for a retry."""
        if self._jobs.get(job_id).status is JobStatus.PENDING:
            raise Unavailable(f"job {job_id} is pending but still locked: retry after the lease")
        log.info("job %s is held by another worker", job_id)

    def _claim(self, job_id: str) -> Job | None:
        def claim(job: Job) -> bool:
            if job.status is not JobStatus.PENDING:
                return False  # another worker claimed it first, or it ended
            now = self._clock.now()
            if job.attempts >= self._settings.max_attempts:
                job.fail(f"gave up after {job.attempts} attempts: the job kept stopping its "
                         "worker", now)
            else:
                job.start(self._settings.worker_id, now)
            return True

        job = self._jobs.update(job_id, claim)
        return job if job is not None and job.status is JobStatus.PROCESSING else None

    def _end(self, claimed: Job, move: Callable[[Job], None]) -> None:
        """Apply a final move to the freshest copy of the job, if this attempt still owns it."""
        def end(job: Job) -> bool:
            if job.status is not JobStatus.PROCESSING or job.attempts != claimed.attempts:
                return False  # cancelled, or recovered and taken over by another attempt
            move(job)
            return True

        try:
            self._jobs.update(claimed.id, end)
        except StaleJob:
            log.warning("job %s keeps changing under this worker; the sweep will settle it",
                        claimed.id)
