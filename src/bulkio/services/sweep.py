"""The sweep: recover jobs whose worker died, re-send jobs whose message was lost, and end split
jobs whose chunks have all ended.

Any number of processes sweep at once. Each change is a fenced write that does not wait for a
row another transaction holds (a worker frozen inside its batch): the sweep skips that job and
goes on, so one frozen worker cannot hold up the recovery of the others. A pending job is
re-sent by the one sweep that wins the write marking it sent, once per `requeue_after`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from attrs import define, frozen

from bulkio.domain.errors import Busy
from bulkio.domain.jobs import Job, JobStatus
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRead, JobRepository
from bulkio.ports.queue import JobQueue
from bulkio.services.observing import UNOBSERVED, JobEnds
from bulkio.services.settings import JobSettings

log = logging.getLogger("bulkio.sweep")


@frozen
class SweepReport:
    recovered: int = 0
    failed: int = 0
    requeued: int = 0
    skipped: int = 0  # stale jobs whose row another transaction held: tried again next sweep


@define
class Sweeper:
    """Run at start-up and periodically; any number of sweepers may run at once.

    Built as `Sweeper(jobs, queue, clock, settings, ends=...)`; `ends` reports each job the
    sweep ends (one whose attempts ran out) and counts stale jobs in its metrics.
    """

    _jobs: JobRepository
    _queue: JobQueue
    _clock: Clock
    _settings: JobSettings
    _ends: JobEnds = UNOBSERVED

    def sweep(self, requeue_all_pending: bool = False) -> SweepReport:
        """Recover stale jobs; enqueue pending ones that waited too long (or all of them)."""
        now = self._clock.now()
        recovered = failed = requeued = skipped = 0
        for found in self._jobs.find(JobStatus.PROCESSING, limit=1000):
            if found.chunks and found.locked_by is None:
                # Ended with its last chunk, unless that chunk's process died first.
                self._ends.split_job_ends(found.id, now)
                continue
            if not found.is_stale(now, self._settings.stale_after):
                continue
            try:
                job = self._jobs.update(found.id, lambda job: self._settle_stale(job, now),
                                        wait=False, read=JobRead.STATE)
            except Busy:
                skipped += 1
                log.warning("stale job %s is locked by a transaction that does not end "
                            "(a frozen worker?); skipped until the database ends it", found.id)
                continue
            if job is None:
                continue  # not stale any more
            self._ends.metrics.stale_job(job.status is JobStatus.PENDING)
            if job.status is JobStatus.PENDING:
                recovered += 1
                self._queue.enqueue_run(job.id)
            else:
                failed += 1
                self._ends(job, now)
            log.warning("stale job %s: %s%s", job.id, job.status,
                        " (a suspect: it runs alone next)" if job.suspect else "",
                        extra={"job_id": job.id})
        for found in self._jobs.find(JobStatus.PENDING, limit=1000):
            if not (requeue_all_pending or self._waited_too_long(found, now)):
                continue
            mark = self._mark_sent_all if requeue_all_pending else self._mark_sent_if_due
            try:
                job = self._jobs.update(found.id, lambda job: mark(job, now), wait=False,
                                        read=JobRead.STATE)
            except Busy:
                continue  # a worker is claiming it
            if job is not None:
                self._queue.enqueue_run(job.id)
                requeued += 1
        return SweepReport(recovered, failed, requeued, skipped)

    def _waited_too_long(self, job: Job, now: datetime) -> bool:
        return now - job.updated_at > self._settings.requeue_after

    def _mark_sent_if_due(self, job: Job, now: datetime) -> bool:
        """Only the sweep whose write wins re-sends the job; the others then find it fresh."""
        if job.status is not JobStatus.PENDING or not self._waited_too_long(job, now):
            return False
        job.heartbeat(now)
        return True

    def _mark_sent_all(self, job: Job, now: datetime) -> bool:
        if job.status is not JobStatus.PENDING:
            return False
        job.heartbeat(now)
        return True

    def _settle_stale(self, job: Job, now: datetime) -> bool:
        if not job.is_stale(now, self._settings.stale_after):
            return False
        if self._settings.restart_stale:
            job.recover(now)
        else:
            job.fail("its worker stopped responding (crashed, was killed or froze)", now)
        return True
