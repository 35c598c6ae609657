"""What ends a run and what it costs: outages are waited out in the run, hand-overs are free,
suspects run alone, and the sweep neither waits for a locked row nor re-sends a job twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bulkio.adapters.clock import FixedClock
from bulkio.adapters.in_process import InProcessJobLock
from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.adapters.memory_records import InMemoryJobRepository, InMemoryRecordStore
from bulkio.domain.errors import Busy, Unavailable
from bulkio.domain.jobs import Job, JobStatus, Phase
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import resource_named
from bulkio.services.occupancy import Occupancy
from bulkio.services.settings import JobSettings
from bulkio.ports.jobs import JobRead
from bulkio.services.sweep import Sweeper
from tests.unit.services.conftest import RecordingQueue, World

ROWS = "".join(f"u{n}@example.com,U{n},reader\n" for n in range(5))
CSV = "email,name,role\n" + ROWS  # batch size 2: three batches


class FlakyBatches:
    """The batch writer, away for the `failures` writes after the first `good` ones; each
    failure moves the clock on by `step` and notes how the job looked meanwhile."""

    def __init__(self, world, good: int, failures: int, step: timedelta) -> None:
        self._inner, self._world = world.batch_writer, world
        self._good, self._failures, self._step = good, failures, step
        self.seen: list[tuple[Phase, str | None]] = []

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def write(self, job, *args, **kwargs):
        if self._good > 0:
            self._good -= 1
        elif self._failures > 0:
            self._failures -= 1
            stored = self._world.jobs.get(job.id)
            self.seen.append((stored.phase, stored.waiting_for))
            self._world.clock.advance(seconds=self._step.total_seconds())
            raise Unavailable("the database failed: connection refused")
        return self._inner.write(job, *args, **kwargs)


def quick(world, **changes) -> None:
    world.settings = JobSettings(batch_size=2, worker_id="test-worker", outage_first_pause_s=0.001,
                                 **changes)


def test_an_outage_is_waited_out_in_the_run_and_costs_no_attempt_when_it_passes(world) -> None:
    quick(world)
    flaky = world.batches = FlakyBatches(world, good=1, failures=3, step=timedelta(seconds=5))
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.run_all()
    done = world.jobs.get(job.id)
    assert (done.status, done.attempts, done.runs) == (JobStatus.COMPLETED, 1, 1)
    assert (done.counters.processed, done.counters.created) == (5, 5)
    assert (done.waiting_for, done.waiting_since) == (None, None)
    # Once the first failure was seen, the job showed that it waited, and for what.
    assert flaky.seen[1:] == [(Phase.WAITING, "the database failed: connection refused")] * 2


def test_an_outage_fails_the_job_with_its_cause_and_progress_when_it_outlasts_the_deadline(
        world) -> None:
    quick(world, outage_deadline=timedelta(minutes=30))
    world.batches = FlakyBatches(world, good=1, failures=1000, step=timedelta(minutes=7))
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.run_all()
    failed = world.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.failure == (
        "gave up waiting after 30 min: the database failed: connection refused (2 rows were "
        "processed before it stopped; resume the job to continue after row 2)")
    assert (failed.attempts, failed.counters.total, failed.counters.created) == (1, 2, 2)


def test_a_failed_job_resumes_after_its_last_batch_when_asked(world) -> None:
    quick(world, outage_deadline=timedelta(minutes=30))
    flaky = world.batches = FlakyBatches(world, good=1, failures=1000, step=timedelta(minutes=7))
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.run_all()
    assert world.jobs.get(job.id).status is JobStatus.FAILED
    world.batches = flaky._inner  # the database is back
    world.queue.sent.clear()
    resumed = world.service.resume(job.id)
    assert (resumed.status, world.queue.sent) == (JobStatus.PENDING, [job.id])
    world.run_all()
    done = world.jobs.get(job.id)
    assert (done.status, done.resumed_from, done.attempts, done.runs) == (
        JobStatus.COMPLETED, 2, 1, 2)
    assert (done.counters.processed, done.counters.created) == (5, 5)
    assert world.records.count(ExportQuery.build(resource_named("users"), None, None)) == 5


def test_resume_is_refused_when_the_job_did_not_fail(world) -> None:
    job = world.upload("users", CSV)
    with pytest.raises(Exception, match="cannot go from completed to pending"):
        world.service.resume(job.id)


def test_five_hand_overs_cost_no_attempt_when_the_job_finally_completes(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    for _ in range(5):
        stopping = world.runner
        stopping.stop()
        with pytest.raises(Unavailable):
            stopping.run(job.id)
        back = world.jobs.get(job.id)
        assert (back.status, back.attempts) == (JobStatus.PENDING, 0)
        if back.checkpoint == 4:
            break
    world.runner.run(job.id)
    done = world.jobs.get(job.id)
    assert (done.status, done.attempts, done.counters.created) == (JobStatus.COMPLETED, 1, 5)


def test_a_suspect_runs_alone_and_its_crash_counts_when_its_worker_dies_again(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    stored = world.jobs.get(job.id)
    stored.start("dead-worker", world.clock.now())  # ran beside others: not pinned
    world.jobs.save(stored)
    world.clock.advance(minutes=11)
    world.sweeper.sweep()
    suspect = world.jobs.get(job.id)
    assert (suspect.suspect, suspect.attempts) == (True, 0)
    suspect.start("dead-worker-2", world.clock.now(), alone=suspect.suspect)
    world.jobs.save(suspect)
    world.clock.advance(minutes=11)
    world.sweeper.sweep()
    assert world.jobs.get(job.id).attempts == 1  # it ran alone: this crash is its own


def test_a_job_gives_up_with_the_true_reason_when_its_crashes_alone_reach_the_limit(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    stored = world.jobs.get(job.id)
    stored.attempts, stored.suspect = world.settings.max_attempts, True
    world.jobs.save(stored)
    world.run_all()
    failed = world.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert failed.failure.startswith("gave up after 5 attempts: each time it ran alone, its "
                                     "worker stopped responding")


def test_a_suspect_is_sent_again_later_when_its_worker_is_running_another_job() -> None:
    occupancy = Occupancy()
    with occupancy.enter("healthy", alone=False) as admitted:
        assert admitted
        with occupancy.enter("suspect", alone=True) as suspect_admitted:
            assert not suspect_admitted
    with occupancy.enter("suspect", alone=True) as admitted:
        assert admitted
        with occupancy.enter("healthy", alone=False) as other:
            assert not other
    assert occupancy.running() == frozenset()


def test_the_runner_refuses_a_suspect_with_busy_when_its_process_runs_another_job(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    stored = world.jobs.get(job.id)
    stored.suspect = True
    world.jobs.save(stored)
    runner = world.runner
    with runner._occupancy.enter("another-job", alone=False), pytest.raises(Busy):
        runner.run(job.id)
    assert world.jobs.get(job.id).status is JobStatus.PENDING


def test_a_pending_job_is_sent_again_once_when_several_processes_sweep(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.queue.sent.clear()
    world.clock.advance(minutes=31)
    sweepers = [Sweeper(world.jobs, world.queue, world.clock, world.settings) for _ in range(3)]
    assert sum(s.sweep().requeued for s in sweepers) == 1
    assert sum(s.sweep().requeued for s in sweepers) == 0
    assert world.queue.sent == [job.id]
    world.clock.advance(minutes=31)
    assert sum(s.sweep().requeued for s in sweepers) == 1


class FatJobs(InMemoryJobRepository):
    """Jobs whose inline documents are too big to read: a whole read of `fat` kills the process
    (as an out-of-memory kill would), every other read works."""

    def __init__(self) -> None:
        super().__init__()
        self.fat: set[str] = set()

    def get(self, job_id: str, read: JobRead = JobRead.WHOLE) -> Job:
        if read is JobRead.WHOLE and job_id in self.fat:
            raise ProcessDied(f"reading job {job_id} whole")
        return super().get(job_id, read)


class ProcessDied(BaseException):
    """What the process would have done: stop at once, running no handler."""


def test_a_job_that_kills_its_worker_is_charged_its_attempt_first_and_sweeps_survive_it(
        tmp_path) -> None:
    jobs = FatJobs()
    world = World(jobs=jobs, records=InMemoryRecordStore(jobs),
                  storage=LocalFileStorage(tmp_path / "files"), queue=RecordingQueue(),
                  clock=FixedClock(), fetcher=InMemoryFetcher({}),
                  settings=JobSettings(batch_size=2, worker_id="test-worker"),
                  files=tmp_path / "files")
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    jobs.fat.add(job.id)
    runs = 0
    while jobs.get(job.id, JobRead.STATE).status is JobStatus.PENDING:
        before = jobs.get(job.id, JobRead.STATE).attempts
        world.queue.sent.clear()
        try:
            world.runner.run(job.id)
        except ProcessDied:  # died reading the job whole, after its claim charged the attempt
            assert jobs.get(job.id, JobRead.STATE).attempts == before + 1
            world.lock = InProcessJobLock()  # the dead process's lock went with it
            world.clock.advance(minutes=11)
            assert world.sweeper.sweep().recovered == 1  # never reads the job whole
            assert world.queue.sent == [job.id]
        runs += 1
        assert runs <= world.settings.max_attempts + 2
    failed = jobs.get(job.id, JobRead.STATE)
    assert failed.status is JobStatus.FAILED, failed.status
    assert failed.failure.startswith("gave up after 5 attempts")
    assert runs == world.settings.max_attempts + 2  # one beside others, five alone, the last
