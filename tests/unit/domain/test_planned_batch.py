"""A planned batch: how the write settles its counts, and one write per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bulkio.domain.batches import PlannedBatch, one_per_key
from bulkio.domain.jobs import BatchOutcome, Job, JobKind
from bulkio.domain.resources import USERS
from bulkio.domain.rows import ErrorCode, RowError

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
FAILURE = RowError(3, "email", ErrorCode.REQUIRED, "email is required", None, 4)


def batch() -> PlannedBatch:
    outcome = BatchOutcome(created=3, updated=1, skipped=1, failed=1, rows=6, bytes_read=300)
    return PlannedBatch(outcome, T0 + timedelta(seconds=5), errors=((FAILURE, {"email": ""}),),
                        creates={"a@x.io", "b@x.io", "c@x.io"})


def started() -> Job:
    job = Job(id="job-1", kind=JobKind.IMPORT, resource="users", format="csv", created_at=T0,
              updated_at=T0)
    job.start("worker-1", T0)
    return job


def test_settled_counts_creates_found_stored_as_updates_when_another_job_wrote_them() -> None:
    assert batch().settled(0) == batch().outcome
    assert batch().settled(2) == BatchOutcome(created=1, updated=3, skipped=1, failed=1, rows=6,
                                              bytes_read=300)


def test_recorded_on_counts_a_copy_and_leaves_the_job_when_the_write_may_roll_back() -> None:
    job = started()

    saved = batch().recorded_on(job, 1)

    assert (job.counters.created, job.checkpoint, job.errors, job.version) == (0, 0, [], 0)
    assert (saved.counters.created, saved.counters.updated, saved.counters.successful) == (2, 2, 4)
    assert (saved.checkpoint, saved.errors, saved.error_count) == (6, [FAILURE], 1)
    assert (saved.updated_at, saved.version) == (T0 + timedelta(seconds=5), 0)


def test_committed_on_brings_the_job_to_what_was_saved_one_version_on() -> None:
    job, twin = started(), started()
    saved = batch().recorded_on(twin, 1)

    outcome = batch().committed_on(job, 1)

    assert outcome == batch().settled(1)
    assert job.version == 1
    saved.version = 1
    assert job == saved


def test_one_per_key_merges_a_repeated_key_later_fields_winning_and_sorts_by_key() -> None:
    writes = [
        {"id": "1", "email": "b@x.io", "name": "B", "active": False},
        {"id": "2", "email": "a@x.io", "name": "A"},
        {"id": "1", "email": "b@x.io", "name": "B2"},
    ]

    assert one_per_key(USERS, writes) == [
        {"id": "2", "email": "a@x.io", "name": "A"},
        {"id": "1", "email": "b@x.io", "name": "B2", "active": False},
    ]
