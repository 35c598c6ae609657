"""Submitting, running, cancelling and sweeping jobs on in-memory adapters."""

from __future__ import annotations

import attrs
import pytest
from dependency_injector import providers

from bulkio.adapters.memory_metrics import MemoryJobMetrics
from bulkio.domain.errors import (
    EmptySource, InvalidTransition, TooLarge, Unavailable, UnknownResource, UnsupportedFormat,
)
from bulkio.domain.jobs import JobStatus
from bulkio.formats import Format
from bulkio.services.settings import JobSettings

CSV = "email,name,role\na@example.com,A,admin\n"


def test_a_job_is_stored_pending_and_enqueued_when_a_file_is_uploaded(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    assert (job.status, job.format, job.source_size) == (JobStatus.PENDING, "csv", len(CSV))
    assert world.queue.sent == [job.id]


@pytest.mark.parametrize(("resource", "chunks", "fmt", "error"), [
    ("users", [b""], None, EmptySource),
    ("users", [CSV.encode()], "xml", UnsupportedFormat),
    ("people", [CSV.encode()], None, UnknownResource),
])
def test_nothing_is_stored_when_an_upload_is_refused(world, resource, chunks, fmt, error) -> None:
    with pytest.raises(error):
        world.submitter.import_upload(resource, chunks, "f.csv", fmt)
    assert world.queue.sent == []
    assert [p for p in world.files.rglob("*") if p.is_file()] == []


def test_an_upload_is_refused_when_it_is_over_the_size_limit(world) -> None:
    world.settings = JobSettings(max_upload_bytes=10)
    with pytest.raises(TooLarge):
        world.submitter.import_upload("users", [CSV.encode()], "users.csv")
    assert world.queue.sent == []


def test_a_pending_job_is_cancelled_and_never_runs_when_cancelled(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.service.cancel(job.id)
    world.run_all()
    assert world.jobs.get(job.id).status is JobStatus.CANCELLED
    assert world.jobs.get(job.id).counters.processed == 0


def test_cancelling_is_refused_when_the_job_has_completed(world) -> None:
    job = world.upload("users", CSV)
    with pytest.raises(InvalidTransition):
        world.service.cancel(job.id)


def test_a_job_runs_once_when_its_message_arrives_twice(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.queue.sent.append(job.id)
    world.run_all()
    done = world.jobs.get(job.id)
    assert (done.status, done.attempts, done.counters.created) == (JobStatus.COMPLETED, 1, 1)


def test_a_retry_is_asked_for_when_another_holder_still_locks_a_pending_job(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    with world.lock.hold(job.id, "other-worker"), pytest.raises(Unavailable):
        world.runner.run(job.id)
    assert world.jobs.get(job.id).status is JobStatus.PENDING


def test_a_job_fails_with_a_reason_when_it_used_up_its_attempts(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    stored = world.jobs.get(job.id)
    stored.attempts = world.settings.max_attempts
    world.jobs.save(stored)
    world.run_all()
    failed = world.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert "gave up after 5 attempts" in (failed.failure or "")


def test_a_url_import_fails_with_a_reason_when_the_url_cannot_be_fetched(world) -> None:
    job = world.submitter.import_url("users", "https://example.com/missing.csv").job
    world.run_all()
    failed = world.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED and failed.failure


def test_a_url_import_detects_its_format_when_the_url_does_not_say(world) -> None:
    world.fetcher = type(world.fetcher)({"https://example.com/data": b'{"email":"u@example.com",'
                                         b'"name":"U","role":"reader"}\n'})
    job = world.submitter.import_url("users", "https://example.com/data").job
    world.run_all()
    done = world.jobs.get(job.id)
    assert (done.status, done.format, done.counters.created) == (JobStatus.COMPLETED, "ndjson", 1)


def test_a_stale_job_is_recovered_and_enqueued_when_its_worker_stopped(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.queue.sent.clear()
    stored = world.jobs.get(job.id)
    stored.start("dead-worker", world.clock.now())
    world.jobs.save(stored)
    world.clock.advance(minutes=5)
    assert world.sweeper.sweep().recovered == 0  # heartbeat still fresh enough
    world.clock.advance(minutes=6)
    report = world.sweeper.sweep()
    assert (report.recovered, world.queue.sent) == (1, [job.id])
    world.run_all()
    done = world.jobs.get(job.id)
    # It ran beside nothing known: the crash is not pinned on it, it ran again alone.
    assert (done.status, done.attempts, done.runs, done.suspect) == (
        JobStatus.COMPLETED, 1, 2, True)
    assert done.alone


def test_a_stale_job_fails_when_restarting_stale_jobs_is_off(world) -> None:
    world.settings = JobSettings(restart_stale=False)
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    stored = world.jobs.get(job.id)
    stored.start("dead-worker", world.clock.now())
    world.jobs.save(stored)
    world.clock.advance(hours=1)
    assert world.sweeper.sweep().failed == 1
    assert world.jobs.get(job.id).failure == \
        "its worker stopped responding (crashed, was killed or froze)"


def test_a_pending_job_is_enqueued_again_when_its_message_was_lost(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.queue.sent.clear()
    assert world.sweeper.sweep().requeued == 0
    world.clock.advance(minutes=31)
    assert world.sweeper.sweep().requeued == 1
    assert world.queue.sent == [job.id]


def test_an_export_job_writes_a_file_with_every_matching_record_when_it_runs(world) -> None:
    world.upload("users", CSV + "b@example.com,B,reader\n")
    job = world.submitter.export("users", "csv", {"role": "reader"}, ["email", "role"]).job
    world.run_all()
    done = world.jobs.get(job.id)
    assert (done.status, done.counters.exported, done.counters.total) == (JobStatus.COMPLETED, 1, 1)
    with world.storage.open_reader(done.result_key) as stream:
        assert stream.read().decode().splitlines() == ["email,role", "b@example.com,reader"]
    assert done.expires_at == world.clock.now() + world.settings.export_ttl


def test_the_error_report_holds_each_failed_row_with_its_values_when_asked(world) -> None:
    job = world.upload("users", CSV + "bad,B,boss\n")
    report = b"".join(world.service.error_report(job.id, Format.CSV))
    lines = report.decode().splitlines()
    assert lines[0] == "email,name,role,_error_row,_error_field,_error_code,_error_message"
    assert "bad" in lines[1] and "invalid_format" in lines[1] and "invalid_enum" in lines[1]
    assert len(lines) == 2


def test_a_job_pauses_after_its_batch_and_resumes_later_when_the_worker_stops(world) -> None:
    text = CSV + "b@example.com,B,reader\nc@example.com,C,reader\n"  # batch size 2: two batches
    job = world.submitter.import_upload("users", [text.encode()], "users.csv").job
    world.queue.sent.clear()
    stopping = world.runner
    stopping.stop()
    with pytest.raises(Unavailable):
        stopping.run(job.id)
    paused = world.jobs.get(job.id)
    assert (paused.status, paused.checkpoint, paused.counters.created) == (JobStatus.PENDING, 2, 2)
    world.runner.run(job.id)
    done = world.jobs.get(job.id)
    assert (done.status, done.resumed_from, done.counters.created) == (JobStatus.COMPLETED, 2, 3)


def test_an_export_starts_its_counts_afresh_when_it_runs_again_after_a_stop(world) -> None:
    world.upload("users", CSV + "b@example.com,B,reader\n")
    job = world.submitter.export("users", "ndjson").job
    world.queue.sent.clear()
    stored = world.jobs.get(job.id)
    stored.counters.exported = stored.counters.processed = 7  # left by an attempt that died
    world.jobs.save(stored)
    world.runner.run(job.id)
    done = world.jobs.get(job.id)
    assert (done.counters.exported, done.counters.total) == (2, 2)


def test_a_finished_job_logs_its_counts_and_rate_as_fields_when_it_completes(
    world, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("INFO", logger="bulkio.jobs"):
        job = world.upload("users", CSV + "bad,X,boss\n")
    [line] = [r for r in caplog.records if r.name == "bulkio.jobs"]
    assert (line.job_id, line.status, line.rows, line.rows_created, line.rows_failed) == (
        job.id, "completed", 2, 1, 1)
    assert line.error_rate == 0.5 and line.rows_per_second >= 0 and line.duration_ms >= 0


class DownQueue:
    """A queue whose broker is down."""

    def enqueue_run(self, job_id: str) -> None:
        raise Unavailable("broker down")

    def ping(self) -> None:
        raise Unavailable("broker down")


def test_the_job_is_kept_and_answered_when_its_message_cannot_be_sent(world) -> None:
    world.queue = DownQueue()
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    assert world.jobs.get(job.id).status is JobStatus.PENDING  # the sweep will send it


class LapsingLock:
    """A lock whose lease is lost at the first renewal, as when Redis blinks."""

    class Lease:
        def renew(self) -> bool:
            return False

    def hold(self, job_id: str, owner: str):
        from contextlib import nullcontext

        return nullcontext(self.Lease())


def test_the_job_goes_back_to_pending_for_a_retry_when_its_lease_is_lost(world) -> None:
    world.lock = LapsingLock()
    text = CSV + "b@example.com,B,reader\nc@example.com,C,reader\n"  # two batches of 2
    job = world.submitter.import_upload("users", [text.encode()], "users.csv").job
    with pytest.raises(Unavailable):
        world.runner.run(job.id)
    back = world.jobs.get(job.id)
    assert (back.status, back.checkpoint) == (JobStatus.PENDING, 2)


class TakenOverLock:
    """A lock whose lease is found lost because, while this worker stood paused past it, the
    sweep recovered the job and another worker took it over (a new run)."""

    def __init__(self, world) -> None:
        self._world = world

    def hold(self, job_id: str, owner: str):
        from contextlib import nullcontext

        world = self._world

        class Lease:
            def renew(self) -> bool:
                def take_over(job) -> bool:
                    job.recover(world.clock.now())
                    job.start("other-worker", world.clock.now(), alone=job.suspect)
                    return True

                world.jobs.update(job_id, take_over)
                return False

        return nullcontext(Lease())


def test_a_worker_whose_job_was_taken_over_stops_without_a_retry_when_its_lease_is_lost(
        world, caplog: pytest.LogCaptureFixture) -> None:
    world.lock = TakenOverLock(world)
    text = CSV + "b@example.com,B,reader\nc@example.com,C,reader\n"  # two batches of 2
    job = world.submitter.import_upload("users", [text.encode()], "users.csv").job
    world.runner.run(job.id)  # no Unavailable: there is nothing for the queue to retry
    taken = world.jobs.get(job.id)
    assert (taken.status, taken.runs, taken.locked_by) == (JobStatus.PROCESSING, 2,
                                                           "other-worker")
    assert f"job {job.id} was taken over or cancelled; this worker stops" in caplog.text


def test_an_export_counts_each_exported_row_once_in_its_metrics_across_heartbeats(world) -> None:
    world.upload("users", CSV + "".join(f"u{n}@example.com,U{n},reader\n" for n in range(7)))
    world.settings = attrs.evolve(world.settings, heartbeat_every_rows=3)
    container, metrics = world.container, MemoryJobMetrics()
    container.metrics.override(providers.Object(metrics))
    job = container.submitter().export("users", "csv", {}, ["email"]).job

    container.runner().run(job.id)

    done = world.jobs.get(job.id)
    assert (done.status, done.counters.exported) == (JobStatus.COMPLETED, 8)
    assert metrics.value("rows", outcome="exported") == 8


def test_a_page_of_jobs_reads_its_webhook_deliveries_at_once(world) -> None:
    from datetime import datetime, timezone

    from bulkio.domain.webhooks import Delivery

    jobs = [world.upload("users", "email,name,role\na@example.com,A,admin\n") for _ in range(4)]
    hooked = [attrs.evolve(job, callback_url="https://example.com/hook") for job in jobs[:3]]
    for job in hooked:
        world.jobs.save(job)
        world.jobs.add_delivery(Delivery(job.id, 1, datetime(2026, 1, 1, tzinfo=timezone.utc),
                                         status_code=200))
    asked: list[list[str]] = []
    read = world.jobs.deliveries
    world.jobs.deliveries = lambda ids: asked.append(sorted(ids)) or read(ids)

    found = world.service.deliveries_of([*hooked, jobs[3]])

    assert asked == [sorted(job.id for job in hooked)]  # one read, and only the hooked jobs
    assert {job_id: [d.status_code for d in ds] for job_id, ds in found.items()} == {
        job.id: [200] for job in hooked}
    assert world.service.deliveries_of([jobs[3]]) == {} and len(asked) == 1
