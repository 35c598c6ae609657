"""Counters, checkpoint, inline errors, progress and metrics of a job, with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bulkio.domain.jobs import INLINE_ERRORS, BatchOutcome, Job, JobKind, JobStatus, Phase
from bulkio.domain.rows import ErrorCode, RowError

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)


def seconds(n: float) -> datetime:
    return T0 + timedelta(seconds=n)


def started(kind: JobKind = JobKind.IMPORT, source_size: int | None = None) -> Job:
    job = Job(id="job-1", kind=kind, resource="users", format="csv", created_at=T0, updated_at=T0,
              source_size=source_size)
    job.start("worker-1", T0)
    return job


def errors(count: int, first_row: int = 1) -> list[RowError]:
    return [RowError(first_row + i, "email", ErrorCode.INVALID_FORMAT, "Invalid email format", "bad")
            for i in range(count)]


def test_counters_add_up_when_batches_are_recorded() -> None:
    job = started()
    job.record_batch(BatchOutcome(created=5, updated=2, skipped=1, failed=2, rows=10, bytes_read=400),
                     errors(2), seconds(1))
    job.record_batch(BatchOutcome(created=1, updated=3, skipped=4, failed=0, rows=8, bytes_read=700),
                     [], seconds(2))
    c = job.counters
    assert (c.created, c.updated, c.successful, c.skipped, c.failed, c.processed, c.bytes) == (
        6, 5, 11, 5, 2, 18, 700)
    assert (job.checkpoint, job.error_count, job.heartbeat_at, job.updated_at, job.phase) == (
        18, 2, seconds(2), seconds(2), Phase.WRITING)


def test_bytes_never_go_back_when_a_later_batch_reports_a_smaller_position() -> None:
    job = started()
    job.record_batch(BatchOutcome(rows=1, bytes_read=900), [], seconds(1))
    job.record_batch(BatchOutcome(rows=1, bytes_read=100), [], seconds(2))
    assert job.counters.bytes == 900


def test_checkpoint_advances_by_rows_when_a_resumed_job_records_batches() -> None:
    job = started()
    job.record_batch(BatchOutcome(created=1000, rows=1000), [], seconds(1))
    job.recover(seconds(60))
    job.start("worker-2", seconds(61))
    job.record_batch(BatchOutcome(created=500, rows=500), [], seconds(62))
    assert (job.resumed_from, job.checkpoint, job.counters.processed) == (1000, 1500, 1500)


def test_only_the_first_100_errors_are_kept_inline_when_more_rows_fail() -> None:
    job = started()
    job.record_batch(BatchOutcome(failed=60, rows=60), errors(60, 1), seconds(1))
    job.record_batch(BatchOutcome(failed=60, rows=60), errors(60, 61), seconds(2))
    job.record_batch(BatchOutcome(failed=5, rows=5), errors(5, 121), seconds(3))
    assert len(job.errors) == INLINE_ERRORS == 100
    assert [e.row for e in job.errors] == list(range(1, 101))
    assert job.error_count == 125
    assert job.counters.failed == 125


def test_total_is_the_processed_rows_when_an_import_completes() -> None:
    job = started()
    job.record_batch(BatchOutcome(created=7, failed=3, rows=10), errors(3), seconds(1))
    job.complete(seconds(2))
    assert (job.counters.total, job.progress()) == (10, 100.0)


def test_total_is_the_exported_rows_when_an_export_completes() -> None:
    job = started(JobKind.EXPORT)
    job.record_export(rows=250, bytes_written=10_000, now=seconds(1))  # the run's rows so far
    job.record_export(rows=300, bytes_written=12_000, now=seconds(2))
    job.complete(seconds(2))
    c = job.counters
    assert (c.total, c.exported, c.processed, c.bytes) == (300, 300, 300, 12_000)


@pytest.mark.parametrize(("bytes_read", "percent"), [(0, 0.0), (250, 25.0), (333, 33.3), (1000, 99.9)])
def test_import_progress_follows_the_bytes_read_when_processing(bytes_read: int, percent: float) -> None:
    job = started(source_size=1000)
    job.record_batch(BatchOutcome(rows=1, bytes_read=bytes_read), [], seconds(1))
    assert job.progress() == percent


def test_progress_is_zero_when_the_size_is_unknown() -> None:
    job = started()
    job.record_batch(BatchOutcome(rows=10, bytes_read=500), [], seconds(1))
    assert job.progress() == 0.0


def test_export_progress_follows_rows_when_the_total_is_known() -> None:
    job = started(JobKind.EXPORT)
    job.counters.total = 400
    job.record_export(rows=100, bytes_written=1, now=seconds(1))
    assert job.progress() == 25.0


def test_metrics_give_rate_error_rate_duration_and_eta_when_processing() -> None:
    job = started(source_size=10_000)
    job.record_batch(BatchOutcome(created=900, failed=100, rows=1000, bytes_read=2_500),
                     errors(100), seconds(4))
    m = job.metrics(seconds(4))
    assert (m.rows_per_second, m.error_rate, m.duration_ms, m.total_bytes) == (250.0, 0.1, 4000, 2_500)
    assert m.eta_seconds == 12.0  # 25 % in 4 s: 75 % more takes 12 s


def test_eta_counts_only_this_run_when_a_recovered_job_resumed() -> None:
    # First run: 1,000 rows (25 % of the bytes), then the worker died. The resumed run does
    # 1,000 more rows (another 25 %) in 10 s, so the last 50 % should take about 20 s more.
    job = started(source_size=8_000)
    job.record_batch(BatchOutcome(created=1000, rows=1000, bytes_read=2_000), [], seconds(10))
    job.recover(seconds(100))
    job.start("worker-2", seconds(100))
    job.record_batch(BatchOutcome(created=1000, rows=1000, bytes_read=4_000), [], seconds(110))
    assert job.metrics(seconds(110)).eta_seconds == 20.0


def test_metrics_stop_the_clock_when_the_job_completed() -> None:
    job = started()
    job.record_batch(BatchOutcome(created=2000, rows=2000), [], seconds(8))
    job.complete(seconds(8))
    m = job.metrics(seconds(3600))
    assert (m.rows_per_second, m.duration_ms, m.error_rate, m.eta_seconds) == (250.0, 8000, 0.0, None)


def test_metrics_are_zero_when_the_job_has_not_started() -> None:
    job = Job(id="job-1", kind=JobKind.IMPORT, resource="users", format="csv", created_at=T0,
              updated_at=T0)
    m = job.metrics(seconds(10))
    assert (m.rows_per_second, m.error_rate, m.duration_ms, m.eta_seconds) == (0.0, 0.0, 0, None)


def test_eta_is_unknown_when_no_progress_is_measurable() -> None:
    job = started()
    job.record_batch(BatchOutcome(rows=10), [], seconds(1))
    assert job.metrics(seconds(1)).eta_seconds is None


def test_export_rate_counts_exported_rows_when_writing_a_file() -> None:
    job = started(JobKind.EXPORT)
    job.record_export(rows=6000, bytes_written=2_500_000, now=seconds(1))
    job.complete(seconds(1))
    m = job.metrics(seconds(1))
    assert (m.rows_per_second, m.total_bytes, m.duration_ms) == (6000.0, 2_500_000, 1000)


def test_rate_measures_the_resumed_run_when_a_recovered_job_resumes_from_its_checkpoint() -> None:
    # First run: 1,000 rows in 10 s, then the worker dies; the job waits 90 s to be recovered;
    # the second run does the other 1,000 rows in 10 s. The resumed run moved 100 rows/s.
    job = started()
    job.record_batch(BatchOutcome(created=1000, rows=1000), [], seconds(10))
    job.recover(seconds(100))
    job.start("worker-2", seconds(100))
    job.record_batch(BatchOutcome(created=1000, rows=1000), [], seconds(110))
    job.complete(seconds(110))
    m = job.metrics(seconds(110))
    assert m.duration_ms == 110_000
    assert m.rows_per_second == 100.0


def test_warnings_are_kept_once_when_repeated() -> None:
    job = started()
    job.warn("Unknown column ignored: nickname")
    job.warn("Unknown column ignored: nickname")
    assert job.warnings == ["Unknown column ignored: nickname"]


def test_statuses_read_as_their_words_when_rendered() -> None:
    assert [str(s) for s in JobStatus] == ["pending", "processing", "completed", "failed", "cancelled"]


@pytest.mark.parametrize(("created", "failed", "expected"), [
    (0, 3, True), (1, 2, False), (0, 0, False),
])
def test_every_row_failed_only_when_a_completed_import_had_rows_and_imported_none(
    created: int, failed: int, expected: bool,
) -> None:
    job = started()
    if created or failed:
        job.record_batch(BatchOutcome(created=created, failed=failed, rows=created + failed),
                         errors(failed), seconds(1))
    assert not job.every_row_failed  # still running
    job.complete(seconds(2))
    assert job.every_row_failed is expected


def test_every_row_failed_is_false_when_the_job_failed_or_is_an_export() -> None:
    job = started()
    job.record_batch(BatchOutcome(failed=2, rows=2), errors(2), seconds(1))
    job.fail("the storage went away", seconds(2))
    assert not job.every_row_failed
    export = started(JobKind.EXPORT)
    export.complete(seconds(1))
    assert not export.every_row_failed
