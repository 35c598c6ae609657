"""The sweep: recover jobs whose worker died and re-send jobs whose message was lost."""

from __future__ import annotations

import logging
from datetime import datetime

from attrs import frozen

from bulkio.domain.jobs import Job, JobStatus
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRepository
from bulkio.ports.queue import JobQueue
from bulkio.services.settings import JobSettings

log = logging.getLogger("bulkio.sweep")


@frozen
class SweepReport:
    recovered: int = 0
    failed: int = 0
    requeued: int = 0


class Sweeper:
    """Run at start-up and periodically; any number of sweepers may run at once."""

    def __init__(self, jobs: JobRepository, queue: JobQueue, clock: Clock,
                 settings: JobSettings) -> None:
        self._jobs, self._queue, self._clock, self._settings = jobs, queue, clock, settings

    def sweep(self, requeue_all_pending: bool = False) -> SweepReport:
        """Recover stale jobs; enqueue pending ones that waited too long (or all of them)."""
        now = self._clock.now()
        recovered = failed = requeued = 0
        for found in self._jobs.find(JobStatus.PROCESSING, limit=1000):
            job = self._jobs.update(found.id, lambda job: self._settle_stale(job, now))
            if job is None:
                continue  # not stale, or not stale any more
            if job.status is JobStatus.PENDING:
                recovered += 1
                self._queue.enqueue_run(job.id)
            else:
                failed += 1
            log.warning("stale job %s: %s", job.id, job.status)
        for job in self._jobs.find(JobStatus.PENDING, limit=1000):
            if requeue_all_pending or now - job.updated_at > self._settings.requeue_after:
                self._queue.enqueue_run(job.id)
                requeued += 1
        return SweepReport(recovered, failed, requeued)

    def _settle_stale(self, job: Job, now: datetime) -> bool:
        if not job.is_stale(now, self._settings.stale_after):
            return False
        if self._settings.restart_stale:
            job.recover(now)
        else:
            job.fail("the worker stopped responding", now)
        return True
