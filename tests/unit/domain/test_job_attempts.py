"""What a run costs a job: attempts count only crashes pinned on it; hand-overs and outages are
free; a failed job says how far it got and can be resumed from there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulkio.domain.errors import InvalidTransition
from bulkio.domain.jobs import BatchOutcome, Job, JobKind, JobStatus, Phase

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def running(kind: JobKind = JobKind.IMPORT, alone: bool = False) -> Job:
    job = Job(id="job-1", kind=kind, resource="users", format="csv", created_at=T0, updated_at=T0)
    job.start("worker-1", T0, alone=alone)
    return job


def test_a_claim_charges_one_attempt_when_the_run_starts() -> None:
    job = running()
    assert (job.attempts, job.runs, job.alone) == (1, 1, False)


def test_hand_back_refunds_the_attempt_when_the_worker_stops_cleanly() -> None:
    job = running()
    for n in range(5):
        job.hand_back(at(n + 1))
        job.start(f"worker-{n + 2}", at(n + 1))
    assert (job.attempts, job.runs, job.suspect) == (1, 6, False)


def test_a_crash_beside_other_jobs_makes_a_suspect_and_costs_nothing_when_the_worker_dies() -> None:
    job = running(alone=False)
    job.recover(at(60))
    assert (job.status, job.attempts, job.suspect) == (JobStatus.PENDING, 0, True)


def test_a_crash_counts_when_the_job_ran_alone() -> None:
    job = running(alone=True)
    job.recover(at(60))
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    job.start("worker-2", at(61), alone=True)
    job.recover(at(120))
    assert job.attempts == 2


def test_a_suspect_stays_one_when_it_made_progress_before_the_next_crash() -> None:
    job = running()
    job.recover(at(60))
    job.start("worker-2", at(61), alone=True)
    job.record_batch(BatchOutcome(created=10, rows=10), [], at(62))
    job.recover(at(120))
    assert (job.suspect, job.attempts) == (True, 1)


def test_waiting_shows_the_dependency_and_keeps_the_outage_start_when_retried() -> None:
    job = running()
    job.wait_for("cannot read 'uploads/a.csv' from S3: connection refused", at(1))
    job.wait_for("cannot read 'uploads/a.csv' from S3: connection refused", at(5))
    assert (job.status, job.phase, job.waiting_since) == (JobStatus.PROCESSING, Phase.WAITING, at(1))
    assert job.waited(at(10)) == timedelta(seconds=9)
    assert job.heartbeat_at == at(5)
    job.record_batch(BatchOutcome(created=1, rows=1), [], at(11))
    assert (job.waiting_for, job.waiting_since, job.phase) == (None, None, Phase.WRITING)


def test_waiting_is_refused_when_the_job_is_not_running() -> None:
    job = running()
    job.cancel(at(1))
    with pytest.raises(InvalidTransition):
        job.wait_for("database away", at(2))


def test_failure_says_how_many_rows_were_processed_and_how_to_go_on_when_rows_were_written() -> None:
    job = running()
    job.record_batch(BatchOutcome(created=1500, rows=1500), [], at(1))
    job.fail("gave up waiting after 30 min: S3 away", at(2))
    assert job.failure == ("gave up waiting after 30 min: S3 away (1500 rows were processed "
                           "before it stopped; resume the job to continue after row 1500)")
    assert (job.counters.total, job.counters.processed) == (1500, 1500)


def test_failure_is_the_bare_reason_when_nothing_was_processed() -> None:
    job = running()
    job.fail("file is not valid JSON", at(1))
    assert job.failure == "file is not valid JSON"


def test_total_rows_is_what_was_read_when_an_import_is_cancelled() -> None:
    job = running()
    job.record_batch(BatchOutcome(created=700, rows=700), [], at(1))
    job.cancel(at(2))
    assert (job.counters.total, job.counters.processed) == (700, 700)


def test_resume_runs_a_failed_job_from_its_checkpoint_with_fresh_attempts() -> None:
    job = running(alone=True)
    job.record_batch(BatchOutcome(created=1500, rows=1500), [], at(1))
    job.fail("gave up after 5 attempts", at(2))
    job.resume(at(3))
    assert (job.status, job.attempts, job.failure, job.completed_at, job.checkpoint) == (
        JobStatus.PENDING, 0, None, None, 1500)
    job.start("worker-2", at(4))
    assert (job.resumed_from, job.attempts) == (1500, 1)


def test_exported_rows_never_go_back_when_an_export_runs_again() -> None:
    job = running(JobKind.EXPORT)
    job.record_export(rows=4000, bytes_written=1000, now=at(1))
    job.hand_back(at(2))
    job.start("worker-2", at(3))
    job.record_export(rows=1000, bytes_written=200, now=at(4))
    assert job.counters.exported == 4000
    job.record_export(rows=5000, bytes_written=1200, now=at(5))
    assert job.counters.exported == 5000
