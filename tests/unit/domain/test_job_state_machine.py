"""The job state machine, tested over the whole (from, to) table through its public verbs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bulkio.domain.errors import Conflict, InvalidTransition
from bulkio.domain.jobs import TERMINAL, TRANSITIONS, Job, JobKind, JobStatus, Phase

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
LATER = T0 + timedelta(seconds=5)

Verb = Callable[[Job, datetime], None]
VERBS: dict[JobStatus, Verb] = {
    JobStatus.PROCESSING: lambda job, now: job.start("worker-1", now),
    JobStatus.COMPLETED: lambda job, now: job.complete(now),
    JobStatus.FAILED: lambda job, now: job.fail("file is not valid JSON", now),
    JobStatus.CANCELLED: lambda job, now: job.cancel(now),
    JobStatus.PENDING: lambda job, now: job.recover(now),
}
# Back to pending has three verbs: two from a run (its worker died; it stopped cleanly) and one
# from a failure (a user resumes the job).
TO_PENDING: dict[str, Verb] = {
    "recover": lambda job, now: job.recover(now),
    "hand_back": lambda job, now: job.hand_back(now),
    "resume": lambda job, now: job.resume(now),
}
FROM: dict[str, JobStatus] = {
    "recover": JobStatus.PROCESSING, "hand_back": JobStatus.PROCESSING, "resume": JobStatus.FAILED,
}


def verb(source: JobStatus, target: JobStatus) -> Verb:
    if target is JobStatus.PENDING and source is JobStatus.FAILED:
        return TO_PENDING["resume"]
    return VERBS[target]
PAIRS = list(itertools.product(JobStatus, JobStatus))
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
FORBIDDEN = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]


def job_in(status: JobStatus, kind: JobKind = JobKind.IMPORT) -> Job:
    return Job(id="job-1", kind=kind, resource="users", format="csv", created_at=T0, updated_at=T0,
               status=status)


def test_every_status_has_a_verb_and_a_row_in_the_table_when_declared() -> None:
    assert set(VERBS) == set(JobStatus) == set(TRANSITIONS)


def test_table_is_the_documented_one_when_read() -> None:
    assert TRANSITIONS == {
        JobStatus.PENDING: {JobStatus.PROCESSING, JobStatus.FAILED, JobStatus.CANCELLED},
        JobStatus.PROCESSING: {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED,
                               JobStatus.PENDING},
        JobStatus.COMPLETED: set(), JobStatus.FAILED: {JobStatus.PENDING},
        JobStatus.CANCELLED: set(),
    }
    assert TERMINAL == {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED}


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_job_moves_when_the_transition_is_allowed(source: JobStatus, target: JobStatus) -> None:
    job = job_in(source)
    verb(source, target)(job, LATER)
    assert job.status is target
    assert job.updated_at == LATER


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=[f"{a}->{b}" for a, b in FORBIDDEN])
def test_job_refuses_to_move_when_the_transition_is_forbidden(source: JobStatus, target: JobStatus) -> None:
    job = job_in(source)
    with pytest.raises(InvalidTransition, match=f"cannot go from {source} to {target}"):
        verb(source, target)(job, LATER)
    assert job.status is source
    assert job.updated_at == T0


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_job_has_no_exit_but_a_resume_when_finished(status: JobStatus) -> None:
    assert TRANSITIONS[status] <= {JobStatus.PENDING}
    assert job_in(status).is_terminal
    for move in [*VERBS.values(), TO_PENDING["hand_back"]]:
        with pytest.raises(InvalidTransition):
            move(job_in(status), LATER)


@pytest.mark.parametrize(("name", "source"), [
    (name, source) for name in TO_PENDING for source in JobStatus if source is not FROM[name]])
def test_each_way_back_to_pending_refuses_when_the_job_is_not_where_it_starts(
        name: str, source: JobStatus) -> None:
    job = job_in(source)
    with pytest.raises(InvalidTransition):
        TO_PENDING[name](job, LATER)
    assert job.status is source


def test_invalid_transition_is_a_conflict_when_caught_by_the_caller() -> None:
    assert issubclass(InvalidTransition, Conflict)


def test_start_takes_the_lease_and_counts_an_attempt_when_a_worker_picks_the_job() -> None:
    job = job_in(JobStatus.PENDING)
    job.start("worker-1", LATER)
    assert (job.locked_by, job.locked_at, job.heartbeat_at) == ("worker-1", LATER, LATER)
    assert (job.attempts, job.started_at, job.phase, job.resumed_from) == (1, LATER, Phase.READING, 0)


def test_start_resumes_from_the_checkpoint_when_the_job_was_recovered() -> None:
    job = job_in(JobStatus.PENDING)
    job.start("worker-1", T0)
    job.checkpoint = 3000
    job.recover(T0 + timedelta(minutes=10))
    assert (job.status, job.locked_by, job.locked_at, job.phase) == (
        JobStatus.PENDING, None, None, Phase.QUEUED)
    job.start("worker-2", T0 + timedelta(minutes=11))
    assert (job.runs, job.resumed_from, job.locked_by) == (2, 3000, "worker-2")
    assert job.started_at == T0  # the job started once, whatever the attempts


@pytest.mark.parametrize("finish", [
    lambda job, now: job.complete(now), lambda job, now: job.fail("boom", now),
    lambda job, now: job.cancel(now),
])
def test_finishing_releases_the_lease_when_the_job_ends(finish: Callable[[Job, datetime], None]) -> None:
    job = job_in(JobStatus.PENDING)
    job.start("worker-1", T0)
    finish(job, LATER)
    assert (job.completed_at, job.locked_by, job.locked_at, job.phase) == (LATER, None, None, Phase.DONE)


def test_fail_keeps_the_reason_when_the_job_cannot_run() -> None:
    job = job_in(JobStatus.PENDING)
    job.fail("Unsupported format: xml", LATER)
    assert (job.status, job.failure) == (JobStatus.FAILED, "Unsupported format: xml")


def test_complete_keeps_the_stored_file_when_an_export_finishes() -> None:
    job = job_in(JobStatus.PROCESSING, JobKind.EXPORT)
    expires = LATER + timedelta(hours=24)
    job.complete(LATER, result_key="exports/job-1.csv", expires_at=expires)
    assert (job.result_key, job.expires_at) == ("exports/job-1.csv", expires)


def test_job_is_stale_when_processing_without_heartbeat_beyond_the_threshold() -> None:
    job = job_in(JobStatus.PENDING)
    job.start("worker-1", T0)
    threshold = timedelta(minutes=10)
    assert not job.is_stale(T0 + threshold, threshold)
    assert job.is_stale(T0 + threshold + timedelta(seconds=1), threshold)
    job.heartbeat(T0 + timedelta(minutes=8))
    assert not job.is_stale(T0 + threshold + timedelta(seconds=1), threshold)


@pytest.mark.parametrize("status", [JobStatus.PENDING, JobStatus.COMPLETED, JobStatus.FAILED])
def test_job_is_never_stale_when_not_processing(status: JobStatus) -> None:
    assert not job_in(status).is_stale(T0 + timedelta(days=1), timedelta(minutes=1))
