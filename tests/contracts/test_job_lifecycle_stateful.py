"""The job lifecycle as a Hypothesis state machine, on real PostgreSQL.

Workers claim, heartbeat, commit batches, crash, hand over and wait out outages; sweeps,
redelivered messages, cancels, completions and resumes interleave in every order Hypothesis
finds. After each step: at most one live run per job, counters that add up, attempts that grew
only by crashes pinned on the job (one running alone), and no dead worker's job left processing
past the recovery bound once a sweep ran.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, consumes, initialize, invariant, rule, run_state_machine_as_test,
)

from bulkio.adapters.clock import FixedClock
from bulkio.adapters.sql.jobs import SqlJobRepository
from bulkio.domain.errors import InvalidTransition
from bulkio.domain.jobs import BatchOutcome, Job, JobKind, JobStatus
from bulkio.services.settings import JobSettings
from bulkio.services.sweep import Sweeper
from tests.contracts.conftest import T0, _truncate
from tests.doubles import RecordingQueue

STALE = timedelta(minutes=10)
MAX_ATTEMPTS = 3


class Model:
    """What the test expects of one job."""

    def __init__(self) -> None:
        self.crashes_alone = 0  # since the job was created or last resumed
        self.charged = 0  # claims not refunded: crashes alone, plus the last run
        self.live_run: int | None = None  # the run a live worker is doing
        self.dead_run: int | None = None  # the run whose worker died (not yet swept)


class JobLifecycle(RuleBasedStateMachine):
    jobs = Bundle("jobs")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(T0)
        self.settings = JobSettings(stale_after=STALE, max_attempts=MAX_ATTEMPTS,
                                    requeue_after=timedelta(minutes=30))
        self.repository = SqlJobRepository(ENGINE)
        self.queue = RecordingQueue()
        self.sweeper = Sweeper(self.repository, self.queue, self.clock, self.settings)
        self.models: dict[str, Model] = {}
        self.workers = itertools.count(1)

    @initialize()
    def empty(self) -> None:
        _truncate(ENGINE)

    # -- rules -----------------------------------------------------------------------------

    @rule(target=jobs, kind=st.sampled_from(JobKind))
    def create(self, kind: JobKind) -> str:
        now = self.clock.now()
        job = Job(id=str(uuid.uuid4()), kind=kind, resource="users", format="csv",
                  created_at=now, updated_at=now)
        self.repository.add(job)
        self.models[job.id] = Model()
        return job.id

    @rule(job_id=jobs)
    def claim(self, job_id: str) -> None:
        """A message arrives (first delivery, a redelivery, a sweep's re-send)."""
        model, worker = self.models[job_id], f"worker-{next(self.workers)}"

        def start(job: Job) -> bool:
            if job.status is not JobStatus.PENDING:
                return False  # a duplicate: the claim does nothing
            if job.attempts >= MAX_ATTEMPTS:
                job.fail("gave up", self.clock.now())
            else:
                job.start(worker, self.clock.now(), alone=job.suspect)
            return True

        claimed = self.repository.update(job_id, start)
        if claimed is not None and claimed.status is JobStatus.PROCESSING:
            model.live_run = claimed.runs
            model.charged += 1

    @rule(job_id=jobs, rows=st.integers(1, 500), failed=st.integers(0, 5))
    def commit_batch(self, job_id: str, rows: int, failed: int) -> None:
        self._by_live_worker(job_id, lambda job: job.record_batch(
            BatchOutcome(created=rows - min(failed, rows), failed=min(failed, rows), rows=rows),
            [], self.clock.now()))

    @rule(job_id=jobs)
    def heartbeat(self, job_id: str) -> None:
        self._by_live_worker(job_id, lambda job: job.heartbeat(self.clock.now()))

    @rule(job_id=jobs)
    def dependency_outage(self, job_id: str) -> None:
        self._by_live_worker(job_id, lambda job: job.wait_for("S3 away", self.clock.now()))

    @rule(job_id=jobs)
    def hand_over(self, job_id: str) -> None:
        if self._by_live_worker(job_id, lambda job: job.hand_back(self.clock.now())):
            self.models[job_id].live_run = None
            self.models[job_id].charged -= 1  # a hand-over is free

    @rule(job_id=jobs)
    def complete(self, job_id: str) -> None:
        if self._by_live_worker(job_id, lambda job: job.complete(self.clock.now())):
            self.models[job_id].live_run = None

    @rule(job_id=jobs)
    def crash(self, job_id: str) -> None:
        """The worker running the job dies: nothing more comes from that run."""
        model = self.models[job_id]
        if model.live_run is not None:
            model.dead_run, model.live_run = model.live_run, None

    @rule(minutes=st.integers(1, 15))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        for job_id, model in self.models.items():  # live workers keep beating
            if model.live_run is not None:
                self._by_live_worker(job_id, lambda job: job.heartbeat(self.clock.now()))

    @rule()
    def sweep(self) -> None:
        before = {job_id: self.repository.get(job_id) for job_id in self.models}
        self.sweeper.sweep()
        for job_id, model in self.models.items():
            after, was = self.repository.get(job_id), before[job_id]
            if was.status is JobStatus.PROCESSING and after.status is JobStatus.PENDING:
                assert model.dead_run == was.runs, "a live worker's job was taken away"
                model.crashes_alone += 1 if was.alone else 0
                model.charged -= 0 if was.alone else 1  # not pinned on it: refunded
                model.dead_run = None
            # The recovery bound: after a sweep, no job is left processing without a heartbeat
            # for longer than the stale threshold.
            assert not (after.status is JobStatus.PROCESSING
                        and after.is_stale(self.clock.now(), STALE))

    @rule(job_id=jobs)
    def cancel(self, job_id: str) -> None:
        def cancel(job: Job) -> bool:
            job.cancel(self.clock.now())
            return True

        try:
            self.repository.update(job_id, cancel)
        except InvalidTransition:
            return
        model = self.models[job_id]
        model.live_run = model.dead_run = None  # its worker stops at its next fenced write

    @rule(job_id=jobs)
    def resume(self, job_id: str) -> None:
        def resume(job: Job) -> bool:
            job.resume(self.clock.now())
            return True

        try:
            self.repository.update(job_id, resume)
        except InvalidTransition:
            return
        self.models[job_id].crashes_alone = self.models[job_id].charged = 0

    @rule(job_id=consumes(jobs))
    def forget(self, job_id: str) -> None:
        """Stop steering this job (it stays in the database and in the checks)."""

    def _by_live_worker(self, job_id: str, move) -> bool:
        """Apply `move` as the live worker of the job would: fenced on its own run."""
        model = self.models[job_id]

        def fenced(job: Job) -> bool:
            if job.status is not JobStatus.PROCESSING or job.runs != model.live_run:
                return False
            move(job)
            return True

        return model.live_run is not None and self.repository.update(job_id, fenced) is not None

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def every_job_is_consistent(self) -> None:
        now = self.clock.now()
        for job_id, model in self.models.items():
            job = self.repository.get(job_id)
            c = job.counters
            assert c.processed == job.checkpoint
            assert c.successful == c.created + c.updated
            assert c.processed == c.successful + c.failed + c.skipped
            if job.is_terminal:
                assert c.total >= c.processed
            # A lease only while processing, and one run at most: the live or the dead one.
            assert (job.locked_by is not None) == (job.status is JobStatus.PROCESSING)
            if job.status is JobStatus.PROCESSING:
                assert job.runs in (model.live_run, model.dead_run)
            # Attempts grow only by crashes pinned on the job (plus the last or current run).
            assert job.attempts == model.charged
            assert model.crashes_alone <= job.attempts <= model.crashes_alone + 1
            if job.phase.value == "waiting":
                assert job.status is JobStatus.PROCESSING and job.waiting_for
            # A live worker never looks stale; after a sweep no dead worker's job is left
            # processing past the bound.
            if model.live_run is not None and job.status is JobStatus.PROCESSING:
                assert not job.is_stale(now, STALE)


ENGINE: sa.Engine


@pytest.mark.services
def test_the_job_lifecycle_keeps_its_invariants_in_any_order_of_events(pg_engine) -> None:
    global ENGINE
    ENGINE = pg_engine
    run_state_machine_as_test(JobLifecycle, settings=settings(
        max_examples=50, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))


@pytest.mark.services
def test_a_dead_workers_job_is_back_in_pending_after_the_bound_when_a_sweep_runs(
        pg_engine) -> None:
    _truncate(pg_engine)
    clock, queue = FixedClock(T0), RecordingQueue()
    repository = SqlJobRepository(pg_engine)
    job = Job(id=str(uuid.uuid4()), kind=JobKind.IMPORT, resource="users", format="csv",
              created_at=T0, updated_at=T0)
    repository.add(job)
    repository.update(job.id, lambda j: j.start("dead", clock.now()) or True)
    sweeper = Sweeper(repository, queue, clock, JobSettings(stale_after=STALE))
    clock.advance(minutes=10)
    sweeper.sweep()
    assert repository.get(job.id).status is JobStatus.PROCESSING  # not past the bound yet
    clock.advance(seconds=1)
    sweeper.sweep()
    assert repository.get(job.id).status is JobStatus.PENDING and queue.sent == [job.id]
