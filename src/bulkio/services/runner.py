"""Running a job: take the lease, claim the job, run its pipeline, record how it ended.

How a run ends decides what it costs the job (see `bulkio.domain.jobs`):
- done, or a bad file: the job completes or fails with the reason;
- the worker stops (SIGTERM) or its lease lapses: the job is handed back, its attempt refunded;
- a dependency is away (`Unavailable`): the run keeps the job, shows what it waits for, and
  retries with backoff until the outage ends or outlasts `JobSettings.outage_deadline`;
- the process dies: the sweep finds the job stale and pins the crash on it only if it ran alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from structlog.contextvars import bound_contextvars

from bulkio.domain.errors import Busy, InvalidRequest, SourceUnreadable, StaleJob, Unavailable
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRead, JobRepository
from bulkio.ports.lock import JobLock, Lease
from bulkio.services.chunking import ImportChunks, cancelled_with_its_split_job
from bulkio.services.exporting import ExportPipeline
from bulkio.services.fetching import SourceFetcher
from bulkio.services.errors import LeaseLost, WorkerStopping
from bulkio.services.importing import ImportPipeline
from bulkio.services.observing import UNOBSERVED, JobEnds
from bulkio.services.occupancy import Occupancy
from bulkio.services.settings import JobSettings

log = logging.getLogger("bulkio.runner")

MAX_REASON = 500  # characters of a dependency's error kept in `waiting_for`


def backoff_cap(settings: JobSettings) -> float:
    """The longest pause between two tries while waiting out an outage: short enough that the
    waiting run's heartbeats keep the sweep from taking the job for dead."""
    first = settings.outage_first_pause_s
    return max(first, min(30.0, settings.stale_after.total_seconds() / 4))


class JobRunner:
    """Runs jobs by id; safe to call for any id any number of times, from any worker thread."""

    def __init__(self, jobs: JobRepository, lock: JobLock, clock: Clock, imports: ImportPipeline,
                 exports: ExportPipeline, fetcher: SourceFetcher, chunks: ImportChunks,
                 settings: JobSettings, ends: JobEnds = UNOBSERVED) -> None:
        self._jobs, self._lock, self._clock, self._ends = jobs, lock, clock, ends
        self._imports, self._exports, self._fetcher = imports, exports, fetcher
        self._chunks = chunks
        self._settings = settings
        self._stopping = threading.Event()
        self._occupancy = Occupancy()

    def stop(self) -> None:
        """Ask running jobs to stop after their current batch; they go back to pending and
        resume from their checkpoint on the next worker."""
        self._stopping.set()

    def run(self, job_id: str) -> None:
        """Run the job if it is pending and nobody else holds it; otherwise do nothing.

        Raises `Unavailable` when the job should be tried again later (the queue retries with
        backoff): a dependency failed before the claim, the job was handed back, or it is a
        suspect and this process is busy (`Busy`). Every line logged meanwhile carries
        `job_id`."""
        with bound_contextvars(job_id=job_id):
            self._run(job_id)

    def _run(self, job_id: str) -> None:
        with self._lock.hold(job_id, self._settings.worker_id) as lease:
            if lease is None:
                self._held_elsewhere(job_id)
                return
            # Until the claim has charged an attempt, read nothing that grows with the job's
            # data: a process that dies reading it would die without counting it.
            job = self._jobs.get(job_id, JobRead.STATE)
            if job.status is not JobStatus.PENDING:
                return
            if job.parent_id is not None and \
                    cancelled_with_its_split_job(self._jobs, job, self._clock.now()):
                return  # it ends here, unrun
            with self._occupancy.enter(job_id, alone=job.suspect) as admitted:
                if not admitted:
                    raise Busy(f"job {job_id} must run alone and this worker is busy; "
                               "it is sent again later")
                claimed = self._claim(job_id, job.suspect)
                if claimed is not None:
                    self._ends.metrics.job_started(claimed)
                    try:
                        self._run_claimed(claimed, lease)
                    finally:
                        self._ends.metrics.job_stopped(claimed)

    def _held_elsewhere(self, job_id: str) -> None:
        """A busy job needs nothing more; a pending one is locked by a holder that died and
        whose lease has not lapsed yet (the sweep recovered it first): ask for a retry."""
        if self._jobs.get(job_id, JobRead.STATE).status is JobStatus.PENDING:
            raise Unavailable(f"job {job_id} is pending but still locked: retry after the lease")
        log.info("job %s is held by another worker", job_id)

    def _claim(self, job_id: str, suspect: bool) -> Job | None:
        def claim(job: Job) -> bool:
            if job.status is not JobStatus.PENDING or job.suspect != suspect:
                return False  # another worker claimed it first, it ended, or it changed
            now = self._clock.now()
            if job.attempts >= self._settings.max_attempts:
                job.fail(f"gave up after {job.attempts} attempts: each time it ran alone, its "
                         "worker stopped responding (crashed, was killed or froze) while "
                         "running it", now)
            else:
                job.start(self._settings.worker_id, now, alone=suspect)
            return True

        job = self._jobs.update(job_id, claim, read=JobRead.STATE)
        if job is None:
            return None
        if job.status is not JobStatus.PROCESSING:
            self._ends(job, self._clock.now())
            return None
        log.info("job %s: attempt %d (run %d%s) taken by %s, starting after row %d", job.id,
                 job.attempts, job.runs, ", alone: a suspect" if job.alone else "",
                 self._settings.worker_id, job.resumed_from)
        return job

    def _run_claimed(self, claimed: Job, lease: Lease) -> None:
        stopping = self._stopping.is_set
        pause = self._settings.outage_first_pause_s
        job = claimed
        while True:
            try:
                if job is claimed:  # read for its state: the run reads it whole, once charged
                    job = self._jobs.get(claimed.id)
                    if not _same_run(job, claimed):
                        log.warning("job %s was taken over or cancelled; this worker stops",
                                    job.id)
                        return
                if job.kind is JobKind.IMPORT:
                    self._fetcher.ensure_local(job)
                    if self._chunks.hand_over(job, lease):
                        return  # its chunk jobs import it; the last to end ends it
                    self._imports.run(job, lease, stopping)
                else:
                    self._exports.run(job, stopping)
                self._ends(job, self._clock.now())
                return
            except WorkerStopping:
                self._end(job, lambda j: j.hand_back(self._clock.now()))
                raise Unavailable(f"job {job.id} paused: this worker is stopping") from None
            except StaleJob:
                log.warning("job %s was taken over or cancelled; this worker stops", job.id)
                return
            except LeaseLost:
                # The lock said so, perhaps only because Redis blinked: hand the job back and let
                # the queue retry. When another run has it already (this worker was paused past
                # its lease and the job taken over) or it was cancelled, there is nothing to retry.
                if not self._end(job, lambda j: j.hand_back(self._clock.now())):
                    log.warning("job %s was taken over or cancelled; this worker stops", job.id)
                    return
                raise Unavailable(f"job {job.id}: the lease was lost; retrying") from None
            except (SourceUnreadable, InvalidRequest) as err:
                why = str(err)  # the file itself: running it again gets no further
                self._end(job, lambda j: j.fail(why, self._clock.now(), resumable=False))
                return
            except Unavailable as err:
                fresh, pause = self._wait_out(job, err, lease, pause)
                if fresh is None:
                    return
                job = fresh
            except Exception as err:
                log.exception("job %s failed unexpectedly", job.id)
                # Only the kind: a driver's message can quote a statement or another row's data.
                reason = f"internal error: {type(err).__name__} (see the worker's log)"
                self._end(job, lambda j: j.fail(reason, self._clock.now()))
                return

    def _wait_out(self, claimed: Job, err: Unavailable, lease: Lease,
                  delay: float) -> tuple[Job | None, float]:
        """Keep the job through an outage: show what it waits for, pause `delay` seconds (then
        twice as long, up to a cap), and return a fresh copy of it to run again once the
        database answers, with the next pause. None when the job is no longer this run's, or
        failed because the outage outlasted the deadline."""
        first_seen = self._clock.now()
        reason = str(err)[:MAX_REASON]
        cap = backoff_cap(self._settings)
        while True:
            now = self._clock.now()
            fresh: Job | None = None
            lease.renew()  # best effort: the fenced writes decide whether the run still owns it
            try:
                fresh = self._jobs.get(claimed.id)
                if not _same_run(fresh, claimed):
                    log.warning("job %s was taken over or cancelled while waiting", claimed.id)
                    return None, delay
                # The stored job knows when this outage began (a committed batch ends one).
                if fresh.waiting_since is None:
                    delay = self._settings.outage_first_pause_s
                first_seen = fresh.waiting_since or now
                if now - first_seen < self._settings.outage_deadline:
                    fresh.wait_for(reason, now)
                    self._jobs.save(fresh)
            except StaleJob:
                fresh = None  # a cancel or a sweep moved it: look again after the pause
            except Unavailable as again:
                fresh, reason = None, str(again)[:MAX_REASON]
            if now - first_seen >= self._settings.outage_deadline:
                why = (f"gave up waiting after {_minutes(self._settings.outage_deadline)}: "
                       f"{reason}")
                self._end(claimed, lambda j: j.fail(why, self._clock.now()))
                return None, delay
            log.warning("job %s waits for a dependency (%s); trying again in %.1fs",
                        claimed.id, reason, delay)
            if self._stopping.wait(delay):
                self._end(claimed, lambda j: j.hand_back(self._clock.now()))
                raise Unavailable(f"job {claimed.id} paused: this worker is stopping") from None
            delay = min(delay * 2, cap)
            if fresh is not None:
                return fresh, delay

    def _end(self, claimed: Job, move: Callable[[Job], None]) -> bool:
        """Apply a final move to the freshest copy of the job, if this run still owns it; False
        when it does not (cancelled, or taken over by another run)."""
        def end(job: Job) -> bool:
            if not _same_run(job, claimed):
                return False  # cancelled, or recovered and taken over by another run
            move(job)
            return True

        try:
            ended = self._jobs.update(claimed.id, end, read=JobRead.STATE)
        except StaleJob:
            log.warning("job %s keeps changing under this worker; the sweep will settle it",
                        claimed.id)
            return True
        if ended is not None and ended.is_terminal:
            self._ends(ended, self._clock.now())
        return ended is not None


def _same_run(stored: Job, claimed: Job) -> bool:
    return stored.status is JobStatus.PROCESSING and stored.runs == claimed.runs


def _minutes(span: timedelta) -> str:
    seconds = span.total_seconds()
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"
