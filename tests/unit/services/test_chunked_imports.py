"""One import on many workers: a file larger than `chunk_bytes` is split into chunk jobs, each a
range of its rows, and ends as the same file imported whole would (counts, row errors with
their rows in the whole file, stored records), whatever order its chunks run in."""

from __future__ import annotations

import attrs
import pytest

from bulkio.domain.jobs import Job, JobStatus
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import USERS
from bulkio.ports.jobs import JobFilter
from bulkio.services.chunking import chunk_ranges
from bulkio.formats import Format, open_rows
from bulkio.formats.limits import DEFAULT_LIMITS

ROWS = 6000
CHUNK_BYTES = 160_000  # the file is 475,830 bytes: three chunks


def users_csv(rows: int = ROWS, bad_every: int = 997, name: str = "User") -> str:
    lines = ["email,name,role,active,id"]
    for n in range(1, rows + 1):
        email = f"user{n}-at-example.com" if n % bad_every == 0 else f"user{n}@example.com"
        lines.append(f"{email},{name} {n},{'reader' if n % 3 else 'pilot'},true,"
                     f"00000000-0000-4000-8000-{n:012d}")
    return "\n".join(lines) + "\n"


def split_world(world, chunk_bytes: int = CHUNK_BYTES):
    world.settings = attrs.evolve(world.settings, batch_size=500, chunk_bytes=chunk_bytes)
    return world


def unsplit(world):
    """The same batches, never split: the reference a split import must end as."""
    return attrs.evolve(world, settings=attrs.evolve(world.settings, batch_size=500))


def outcome(world, job: Job) -> tuple:
    c = job.counters
    errors = [(e.row, e.field, e.code) for e in world.service.errors(job.id, 0, 10_000)]
    stored = sorted((r["email"], r["id"], r["name"], r["role"])
                    for r in world.records.stream(ExportQuery.build(USERS)))
    return (job.status, (c.total, c.processed, c.created, c.updated, c.skipped, c.failed),
            job.error_count, errors, stored)


def test_a_large_import_is_split_into_chunk_jobs_and_ends_as_the_whole_file_would(
        world, other_world) -> None:
    text = users_csv()
    split = split_world(world).upload("users", text)
    whole = unsplit(other_world)
    plain = whole.upload("users", text)

    assert split.chunks == 3 and plain.chunks == 0
    chunks = world.jobs.chunks_of(split.id)
    assert [(c.first_row, c.last_row) for c in chunks][0][0] == 1
    assert chunks[-1].last_row == ROWS
    assert all(a.last_row + 1 == b.first_row for a, b in zip(chunks, chunks[1:]))
    assert all(c.status is JobStatus.COMPLETED for c in chunks)
    assert outcome(world, split) == outcome(other_world, plain)
    assert split.status is JobStatus.COMPLETED
    c = split.counters
    assert (c.total, c.processed, c.failed) == (ROWS, ROWS, 2000 + 6 - 2)  # roles, emails, both
    assert [e.row for e in split.errors] == [e.row for e in plain.errors]  # the first 100
    assert [j.id for j in world.service.list(JobFilter())] == [split.id]  # chunks unlisted


def start_split(world, text: str, **options) -> tuple[Job, list[str]]:
    """Upload `text` and run only the split job: its id and its chunks', as queued."""
    job = world.submitter.import_upload("users", [text.encode()], "users.csv", **options).job
    world.runner.run(world.queue.sent.pop(0))
    chunk_ids = list(world.queue.sent)
    world.queue.sent.clear()
    return world.jobs.get(job.id), chunk_ids


def test_chunks_that_run_in_any_order_end_the_same(world, other_world) -> None:
    text = users_csv(name="Renamed")
    split = split_world(world)
    job, chunk_ids = start_split(split, text)
    assert job.status is JobStatus.PROCESSING and len(chunk_ids) >= 3
    runner = split.runner
    for chunk_id in reversed(chunk_ids):
        runner.run(chunk_id)
    reverse = split.jobs.get(job.id)
    plain = unsplit(other_world).upload("users", text)
    assert outcome(split, reverse) == outcome(other_world, plain)


def test_a_split_job_shows_what_its_chunks_did_so_far(world) -> None:
    split = split_world(world)
    job, chunk_ids = start_split(split, users_csv())
    split.runner.run(chunk_ids[0])
    first = split.jobs.get(chunk_ids[0])

    shown = split.service.get(job.id)
    assert shown.status is JobStatus.PROCESSING
    assert shown.counters.processed == first.counters.processed == first.last_row
    assert shown.counters.total == ROWS
    assert shown.progress() == round(100 * first.last_row / ROWS, 1)
    assert [e.row for e in shown.errors] == list(range(3, 301, 3))  # the first 100, inline
    (listed,) = split.service.list(JobFilter())
    assert listed.counters.processed == first.last_row


def test_cancelling_a_split_job_cancels_its_chunks_and_keeps_what_they_did(world) -> None:
    split = split_world(world)
    job, chunk_ids = start_split(split, users_csv())
    split.runner.run(chunk_ids[0])
    cancelled = split.service.cancel(job.id)
    assert cancelled.status is JobStatus.CANCELLED
    done = split.jobs.get(chunk_ids[0]).last_row
    assert cancelled.counters.processed == done
    for chunk_id in chunk_ids[1:]:
        split.runner.run(chunk_id)  # a message still queued: nothing happens
        assert split.jobs.get(chunk_id).status is JobStatus.CANCELLED
    assert split.jobs.get(job.id).status is JobStatus.CANCELLED
    assert len(list(split.records.stream(ExportQuery.build(USERS)))) < ROWS


def test_a_failed_chunk_fails_the_split_job_and_resume_runs_it_again(world, other_world) -> None:
    split = split_world(world)
    text = users_csv()
    job, chunk_ids = start_split(split, text)
    for chunk_id in (chunk_ids[0], chunk_ids[2]):
        split.runner.run(chunk_id)
    # The middle chunk's worker gave up (it ended failed), and its process died before it could
    # end the split job: the sweep does.
    split.jobs.update(chunk_ids[1], lambda c: c.fail("its worker gave up", split.clock.now()) or True)
    split.sweeper.sweep()
    failed = split.jobs.get(job.id)
    middle = split.jobs.get(chunk_ids[1])
    assert failed.status is JobStatus.FAILED
    assert failed.failure == (f"rows {middle.first_row} to {middle.last_row} (one of its 3 "
                              "chunks): its worker gave up")

    split.service.resume(job.id)
    split.run_all()  # the split job again, then its failed chunk
    resumed = split.jobs.get(job.id)
    plain = unsplit(other_world).upload("users", text)
    assert outcome(split, resumed) == outcome(other_world, plain)


def test_a_dry_run_is_split_too_and_counts_as_the_import_would(world, other_world) -> None:
    text = users_csv()
    dry = split_world(world).upload("users", text, dry_run=True)
    real = unsplit(other_world).upload("users", text)
    assert dry.chunks == 3
    assert outcome(world, dry)[1:4] == outcome(other_world, real)[1:4]
    assert list(world.records.stream(ExportQuery.build(USERS))) == []


@pytest.mark.parametrize("repeat", ["email", "EMAIL", "id"])
def test_a_file_whose_chunks_share_a_key_or_an_id_is_imported_whole(world, other_world,
                                                                     repeat: str) -> None:
    lines = users_csv().splitlines(keepends=True)
    if repeat == "id":  # the last row gives another email the first row's id
        lines[-1] = lines[-1].replace(f"{ROWS:012d}", f"{1:012d}")
    else:  # the last row repeats the first row's email (in capitals: the same key)
        first = "user1@example.com"
        lines[-1] = first.upper() + lines[-1][lines[-1].index(","):] \
            if repeat == "EMAIL" else first + lines[-1][lines[-1].index(","):]
    text = "".join(lines)
    job = split_world(world).upload("users", text)
    plain = unsplit(other_world).upload("users", text)
    assert job.chunks == 0 and world.jobs.chunks_of(job.id) == []
    assert outcome(world, job) == outcome(other_world, plain)


def test_a_file_no_larger_than_chunk_bytes_is_not_split(world) -> None:
    text = users_csv(rows=100)
    assert split_world(world, chunk_bytes=len(text.encode())).upload("users", text).chunks == 0


def test_chunk_ranges_start_each_chunk_where_the_reader_passed_its_bytes(tmp_path) -> None:
    data = users_csv().encode()
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    with path.open("rb") as stream:
        rows = open_rows(stream, Format.CSV, DEFAULT_LIMITS)
        ranges = chunk_ranges(USERS, rows, lambda: rows.bytes_read, len(data), CHUNK_BYTES)
    assert ranges is not None and len(ranges) == 3
    assert ranges[0][0] == 1 and ranges[-1][1] == ROWS
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
    for first, _ in ranges[1:]:  # where the reader had read about a third more of the file
        assert 0 < first < ROWS


def test_a_split_job_ends_once_for_logs_metrics_and_webhooks_and_its_chunks_not_at_all(
        world) -> None:
    from dependency_injector import providers

    from bulkio.adapters.memory_metrics import MemoryJobMetrics

    container, metrics, notified = split_world(world).container, MemoryJobMetrics(), []
    container.metrics.override(providers.Object(metrics))
    container.notify.override(providers.Object(notified.append))
    job = container.submitter().import_upload("users", [users_csv().encode()], "u.csv").job
    runner = container.runner()
    while world.queue.sent:
        runner.run(world.queue.sent.pop(0))

    assert [j.id for j in notified] == [job.id]
    assert notified[0].status is JobStatus.COMPLETED and notified[0].chunks == 3
    assert metrics.value("jobs_finished", status="completed") == 1


def test_a_file_the_split_pass_cannot_read_to_its_end_is_imported_whole(world, other_world) -> None:
    import gzip

    data = gzip.compress(users_csv().encode())[:-2000]  # the end of the stream is missing
    split = split_world(world, chunk_bytes=len(data) // 3)
    job = split.submitter.import_upload("users", [data], "users.csv.gz").job
    split.run_all()
    plain = unsplit(other_world)
    whole = plain.submitter.import_upload("users", [data], "users.csv.gz").job
    plain.run_all()

    ended, reference = split.jobs.get(job.id), plain.jobs.get(whole.id)
    assert ended.chunks == 0 and ended.status is JobStatus.FAILED
    assert 0 < ended.checkpoint < ROWS  # the rows before the fault were kept
    assert outcome(split, ended) == outcome(plain, reference)
    assert ended.failure == reference.failure


def test_a_file_in_the_wrong_shape_is_not_split_and_fails_whole(world) -> None:
    text = "mail,full name\n" + "".join(f"u{n}@x.com,U {n}\n" for n in range(20_000))
    job = split_world(world, chunk_bytes=100_000).upload("users", text)
    assert job.chunks == 0 and job.status is JobStatus.FAILED
    assert world.jobs.chunks_of(job.id) == []


def test_a_chunk_whose_split_job_has_ended_is_cancelled_instead_of_run(world) -> None:
    split = split_world(world)
    job, chunk_ids = start_split(split, users_csv())
    # The split job is cancelled, but its cancel did not reach this chunk (its row was held).
    split.jobs.update(job.id, lambda j: j.cancel_unless_ended(split.clock.now()))
    split.runner.run(chunk_ids[0])
    assert split.jobs.get(chunk_ids[0]).status is JobStatus.CANCELLED
    assert list(split.records.stream(ExportQuery.build(USERS))) == []


def test_a_running_chunk_stops_at_its_next_batch_once_its_split_job_has_ended(world) -> None:
    from bulkio.adapters.memory_records import InMemoryBatchWriter

    split = split_world(world)
    job, chunk_ids = start_split(split, users_csv())
    inner = InMemoryBatchWriter(split.records)

    class CancelAfterFirst:
        def write(self, chunk, batch):
            outcome = inner.write(chunk, batch)
            split.jobs.update(job.id, lambda j: j.cancel_unless_ended(split.clock.now()))
            return outcome

    split.batches = CancelAfterFirst()
    split.runner.run(chunk_ids[0])
    chunk = split.jobs.get(chunk_ids[0])
    assert chunk.status is JobStatus.CANCELLED
    assert chunk.counters.processed == 500  # one batch, then nothing more
    assert len(list(split.records.stream(ExportQuery.build(USERS)))) < 500


def test_a_split_job_held_by_a_run_of_its_own_is_not_ended_by_its_chunks(world) -> None:
    split = split_world(world)
    job, chunk_ids = start_split(split, users_csv())
    for chunk_id in chunk_ids:
        split.jobs.update(chunk_id, lambda c: c.cancel_unless_ended(split.clock.now()))
    held = split.jobs.get(job.id)
    chunks = split.jobs.chunks_of(job.id)
    held.locked_by = "a worker resuming its chunks"
    assert held.settle_chunks(chunks, [], split.clock.now()) is False
    held.locked_by = None
    assert held.settle_chunks(chunks, [], split.clock.now()) is True
    assert held.status is JobStatus.FAILED


def test_the_split_pass_beats_for_its_job_and_stops_when_the_lease_is_lost(world) -> None:
    from datetime import timedelta

    from bulkio.services.chunking import _Beat
    from bulkio.services.errors import LeaseLost

    job = world.submitter.import_upload("users", [b"email,name,role\n"], "u.csv").job
    job = world.jobs.get(job.id)
    renewals: list[bool] = []

    class Lease:
        def renew(self) -> bool:
            renewals.append(True)
            return len(renewals) < 2

    beat = _Beat(world.jobs, world.clock, job, Lease(), timedelta(seconds=30))
    beat()  # too soon: nothing
    assert (renewals, world.jobs.get(job.id).version) == ([], job.version)
    world.clock.advance(seconds=31)
    beat()
    assert renewals == [True] and world.jobs.get(job.id).heartbeat_at == world.clock.now()
    world.clock.advance(seconds=31)
    with pytest.raises(LeaseLost):
        beat()


def test_a_file_is_cut_into_at_most_max_chunks_however_small_chunk_bytes_is(tmp_path) -> None:
    from bulkio.services.chunking import MAX_CHUNKS

    data = users_csv(rows=20_000).encode()  # about 1.6 MB: 1,600 chunks of 1,000 bytes
    path = tmp_path / "users.csv"
    path.write_bytes(data)
    with path.open("rb") as stream:
        rows = open_rows(stream, Format.CSV, DEFAULT_LIMITS)
        ranges = chunk_ranges(USERS, rows, lambda: rows.bytes_read, len(data), 1_000)
    assert ranges is not None and 2 <= len(ranges) <= MAX_CHUNKS
    assert ranges[0][0] == 1 and ranges[-1][1] == 20_000
