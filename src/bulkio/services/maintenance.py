"""Housekeeping that every bulkio process runs: at start and then every JOB_SWEEP_INTERVAL_MS.

One pass sweeps jobs (recovers stale ones, re-sends lost messages), forgets expired
Idempotency-Keys and deletes export files past their EXPORT_TTL_MS. The HTTP server, the
Dramatiq worker and the Python API each take `container.maintenance()` and call `start()` and
`stop()`; any number of processes may run it at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from attrs import frozen

from bulkio.domain.jobs import Job
from bulkio.ports.clock import Clock
from bulkio.ports.idempotency import IdempotencyStore
from bulkio.ports.jobs import JobRead, JobRepository
from bulkio.ports.storage import FileStorage
from bulkio.services.sweep import Sweeper, SweepReport

log = logging.getLogger("bulkio.maintenance")
EXPIRED_PER_PASS = 1000


@frozen
class MaintenanceReport:
    """What one pass did: the sweep's counts, keys forgotten, export files deleted."""

    sweep: SweepReport
    keys_purged: int = 0
    files_deleted: int = 0


class Maintenance:
    """The periodic housekeeping of one process: `run_once()`, or a daemon thread that runs it
    at once and then every `every_s` seconds between `start()` and `stop()`."""

    def __init__(self, sweeper: Sweeper, keys: IdempotencyStore, jobs: JobRepository,
                 storage: FileStorage, clock: Clock, every_s: float,
                 requeue_all_at_start: bool) -> None:
        self._sweeper, self._keys, self._jobs = sweeper, keys, jobs
        self._storage, self._clock, self._every_s = storage, clock, every_s
        # An in-process queue is empty at start-up: every pending job needs sending again.
        self._requeue_all_at_start = requeue_all_at_start
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self, first: bool = False) -> MaintenanceReport:
        """One pass; `first` is the pass at start-up."""
        sweep = self._sweeper.sweep(requeue_all_pending=first and self._requeue_all_at_start)
        report = MaintenanceReport(sweep, self._keys.purge(self._clock.now()),
                                   self._delete_expired_files())
        if sweep.recovered or sweep.failed or sweep.requeued or report.keys_purged \
                or report.files_deleted:
            log.info("maintenance: %s recovered, %s failed, %s re-sent, %s keys expired, "
                     "%s export files deleted", sweep.recovered, sweep.failed, sweep.requeued,
                     report.keys_purged, report.files_deleted)
        return report

    def start(self) -> None:
        """Run a pass at once and then every `every_s` seconds, in a daemon thread."""
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="bulkio-maintenance", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """End the thread after its current pass (waits up to `timeout` seconds)."""
        self._stopped.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        first = True
        while not self._stopped.is_set():
            try:
                self.run_once(first)
            except Exception:  # a failed pass must not end the thread; the next one retries
                log.exception("maintenance failed; trying again in %ss", self._every_s)
            first = False
            self._stopped.wait(self._every_s)

    def _delete_expired_files(self) -> int:
        now, deleted = self._clock.now(), 0
        for job in self._jobs.expired_results(now, EXPIRED_PER_PASS):
            assert job.result_key is not None  # what `expired_results` finds
            # The file goes first: a pass that stops here deletes it again (a no-op) next time.
            self._storage.delete(job.result_key)
            if self._jobs.update(job.id, lambda j: _expire_result(j, now),
                                 read=JobRead.STATE) is not None:
                deleted += 1
        return deleted


def _expire_result(job: Job, now: datetime) -> bool:
    if job.result_key is None:
        return False
    job.expire_result(now)
    return True
