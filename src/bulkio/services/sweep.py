"""The sweep: recover jobs whose worker died and re-send jobs whose message was lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from attrs import frozen

from bulkio.domain.errors import StaleJob
from bulkio.domain.jobs import JobStatus
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
        for job in self._jobs.find(JobStatus.PROCESSING, limit=1000):
            if not job.is_stale(now, self._settings.stale_after):
                continue
            if self._settings.restart_stale:
                job.recover(now)
            else:
                job.fail("the worker stopped responding", now)
            try:
                self._jobs.save(job)
            except StaleJob:
                continue  # it moved meanwhile: not stale after all
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


class PeriodicSweep:
    """A daemon thread that calls `sweep(first)` at once and then every `every_s` seconds."""

    def __init__(self, sweep: Callable[[bool], object], every_s: float) -> None:
        self._sweep, self._every_s = sweep, every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bulkio-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        first = True
        while not self._stopped.is_set():
            try:
                self._sweep(first)
            except Exception:  # a failed sweep must not end the thread; the next one retries
                log.exception("sweep failed; trying again in %ss", self._every_s)
            first = False
            self._stopped.wait(self._every_s)
