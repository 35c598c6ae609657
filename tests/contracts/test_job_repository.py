"""The JobRepository contract, run against every adapter of the port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest
import sqlalchemy as sa
import stamina
from stamina.instrumentation import LoggingOnRetryHook, set_on_retry_hooks

from bulkio.domain.errors import (
    Conflict,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    StaleJob,
)
from bulkio.domain.jobs import Counters, Job, JobKind, JobStatus, Phase
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.domain.webhooks import Delivery
from bulkio.ports.batches import BatchWriter
from bulkio.ports.jobs import JobFilter, JobRead, JobRepository
from tests.contracts.conftest import T0, _truncate, commit

NewJob = Callable[..., Job]


def full_job() -> Job:
    return Job(
        id="6f1c1a8e-8a1d-4a53-9d0f-3d8e2f6f4b11", kind=JobKind.IMPORT, resource="articles",
        format="ndjson", created_at=T0, updated_at=T0 + timedelta(minutes=5),
        status=JobStatus.PROCESSING, phase=Phase.WRITING, source="uploads/6f1c.ndjson.gz",
        source_name="articles.ndjson.gz", source_url="https://example.com/articles.ndjson.gz",
        source_size=10_485_760, callback_url="https://hooks.example.com/bulkio?team=7",
        dry_run=True, delimiter=";", keep_formulas=True,
        filters={"status": "published", "authorId": "7a0c0c36-6d42-4d6e-a8a5-2f3b5a0d9e01"},
        fields=("id", "slug", "title"),
        counters=Counters(total=0, processed=1500, successful=1400, failed=60, skipped=40,
                          created=1000, updated=400, exported=0, bytes=5_000_000),
        errors=[
            RowError(2, "slug", ErrorCode.INVALID_FORMAT, "Invalid slug (kebab-case) format",
                     "Not A Slug", 3),
            RowError(7, "tags", ErrorCode.INVALID_TYPE, "Must be an array of strings", [1, 2], 9),
            RowError(9, None, ErrorCode.MALFORMED_ROW, "Unreadable JSON", None, None),
        ],
        error_count=60, warnings=["Unknown column 'nickname' ignored"],
        failure="Worker lost", version=3, locked_by="worker-7@host-a", locked_at=T0 + timedelta(minutes=1),
        # A non-UTC offset: the same instant must come back (as UTC).
        heartbeat_at=datetime(2024, 1, 15, 12, 34, 56, 789000, tzinfo=timezone(timedelta(hours=2))),
        attempts=2, runs=4, suspect=True, alone=True,
        waiting_for="cannot read 'uploads/6f1c.ndjson.gz' from S3: connection refused",
        waiting_since=T0 + timedelta(minutes=4), checkpoint=1500, resumed_from=1000,
        parent_id="9d2e4c1b-0a7f-4e5d-8c3b-2a1f0e9d8c7b", first_row=1001, last_row=2000, chunks=3,
        started_at=T0 + timedelta(seconds=30),
        run_started_at=T0 + timedelta(minutes=1),
        completed_at=T0 + timedelta(hours=1), result_key="results/6f1c.csv",
        expires_at=T0 + timedelta(days=7),
    )


def listable(job: Job) -> Job:
    """`job` as a job of its own, not a chunk of another (chunks are not listed)."""
    return attrs.evolve(job, parent_id=None, first_row=None, last_row=None)


def test_full_job_sets_every_attribute_so_new_ones_cannot_be_forgotten() -> None:
    job, bare = full_job(), Job(id="x", kind=JobKind.IMPORT, resource="users", format="csv",
                                created_at=T0, updated_at=T0)

    left_default = [
        a.name for a in attrs.fields(Job)
        if a.default is not attrs.NOTHING and getattr(job, a.name) == getattr(bare, a.name)
    ]

    assert left_default == []


def test_added_job_reads_back_equal_when_every_field_is_set(job_repository: JobRepository) -> None:
    job = full_job()
    job_repository.add(job)

    stored = job_repository.get(job.id)

    assert stored == job
    assert all(isinstance(error.code, ErrorCode) for error in stored.errors)
    assert stored.fields == ("id", "slug", "title")


def test_added_job_reads_back_equal_when_only_required_fields_are_set(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job(kind=JobKind.EXPORT, format="json")
    job_repository.add(job)

    assert job_repository.get(job.id) == job


def test_get_raises_not_found_when_job_is_unknown(job_repository: JobRepository) -> None:
    with pytest.raises(NotFound):
        job_repository.get("0b9e4c2a-58a5-4b8e-bd39-5f4b8f3d2c10")


def test_add_raises_conflict_when_id_is_taken(job_repository: JobRepository, new_job: NewJob) -> None:
    job = new_job()
    job_repository.add(job)

    with pytest.raises(Conflict):
        job_repository.add(new_job(id=job.id))


def test_save_writes_changes_and_bumps_version(job_repository: JobRepository, new_job: NewJob) -> None:
    job = new_job()
    job_repository.add(job)

    job.start("worker-1", T0 + timedelta(seconds=1))
    job_repository.save(job)

    assert job.version == 1
    assert job_repository.get(job.id) == job
    job_repository.save(job)
    assert job_repository.get(job.id).version == 2


def test_save_raises_stale_job_and_changes_nothing_when_someone_saved_first(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)
    first, second = job_repository.get(job.id), job_repository.get(job.id)
    first.start("worker-1", T0 + timedelta(seconds=1))
    job_repository.save(first)

    second.cancel(T0 + timedelta(seconds=2))
    with pytest.raises(StaleJob):
        job_repository.save(second)

    assert second.version == 0
    assert job_repository.get(first.id) == first


def test_save_raises_not_found_when_job_was_never_added(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    with pytest.raises(NotFound):
        job_repository.save(new_job())


def test_update_applies_the_move_to_the_stored_job_and_saves_it(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)

    def start(fresh: Job) -> bool:
        fresh.start("worker-1", T0 + timedelta(seconds=1))
        return True

    updated = job_repository.update(job.id, start)

    assert updated is not None and updated.status is JobStatus.PROCESSING
    assert job_repository.get(job.id) == updated
    assert updated.version == 1


def test_update_writes_nothing_when_the_move_declines(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)

    assert job_repository.update(job.id, lambda fresh: False) is None
    assert job_repository.get(job.id) == job


def test_update_moves_the_fresh_copy_when_someone_saved_in_between(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)
    seen: list[JobStatus] = []

    def cancel(fresh: Job) -> bool:
        seen.append(fresh.status)
        if len(seen) == 1:  # another worker claims the job between this read and this write
            rival = job_repository.get(job.id)
            rival.start("worker-2", T0 + timedelta(seconds=1))
            job_repository.save(rival)
        fresh.cancel(T0 + timedelta(seconds=2))
        return True

    updated = job_repository.update(job.id, cancel)

    assert seen == [JobStatus.PENDING, JobStatus.PROCESSING]
    assert updated is not None and job_repository.get(job.id) == updated
    assert (updated.status, updated.attempts, updated.version) == (JobStatus.CANCELLED, 1, 2)


def test_update_gives_up_with_stale_job_after_a_bounded_number_of_logged_retries(
    job_repository: JobRepository, new_job: NewJob, caplog: pytest.LogCaptureFixture
) -> None:
    job = new_job()
    job_repository.add(job)
    tries = 0

    def always_overtaken(fresh: Job) -> bool:
        nonlocal tries
        tries += 1
        rival = job_repository.get(job.id)
        rival.heartbeat(T0 + timedelta(seconds=tries))
        job_repository.save(rival)
        fresh.cancel(T0)
        return True

    # Retries are records of the logger "stamina", as `bulkio.entrypoints.logs` sets them up
    # for a process; testing mode: no waits, and the repository's own bound stays in force.
    set_on_retry_hooks([LoggingOnRetryHook])
    try:
        with stamina.set_testing(True, attempts=1000, cap=True), pytest.raises(StaleJob):
            job_repository.update(job.id, always_overtaken)
    finally:
        set_on_retry_hooks(None)

    assert 1 < tries < 1000
    assert job_repository.get(job.id).status is JobStatus.PENDING
    retries = [r for r in caplog.records if r.name == "stamina"]
    assert len(retries) == tries - 1


def test_update_lets_the_move_s_own_errors_through_without_retrying(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    job = new_job(status=JobStatus.COMPLETED)
    job_repository.add(job)
    tries = 0

    def cancel(fresh: Job) -> bool:
        nonlocal tries
        tries += 1
        fresh.cancel(T0)
        return True

    with pytest.raises(InvalidTransition):
        job_repository.update(job.id, cancel)
    assert tries == 1


def test_update_raises_not_found_when_job_is_unknown(job_repository: JobRepository) -> None:
    with pytest.raises(NotFound):
        job_repository.update("0b9e4c2a-58a5-4b8e-bd39-5f4b8f3d2c10", lambda fresh: True)


def test_expired_results_finds_completed_exports_whose_file_expired_oldest_first(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    def completed(kind: JobKind, expires_in: timedelta, key: str | None = "exports/x.csv") -> Job:
        job = new_job(kind=kind)
        job_repository.add(job)
        job.start("worker-1", T0)
        job.complete(T0, result_key=key, expires_at=T0 + expires_in)
        job_repository.save(job)
        return job

    later = completed(JobKind.EXPORT, timedelta(minutes=-1))
    earlier = completed(JobKind.EXPORT, timedelta(minutes=-2))
    completed(JobKind.EXPORT, timedelta(minutes=1))  # still kept
    completed(JobKind.EXPORT, timedelta(minutes=-3), key=None)  # file gone already
    completed(JobKind.IMPORT, timedelta(minutes=-3))
    job_repository.add(new_job(kind=JobKind.EXPORT))  # pending

    assert ids(job_repository.expired_results(T0)) == [earlier.id, later.id]
    assert ids(job_repository.expired_results(T0, limit=1)) == [earlier.id]


def add_listing(job_repository: JobRepository, new_job: NewJob) -> list[Job]:
    """Six jobs, one a minute apart; the last two share a creation time (ties go by id)."""
    specs = [
        (JobKind.IMPORT, "users", JobStatus.PENDING, 0),
        (JobKind.EXPORT, "users", JobStatus.PENDING, 1),
        (JobKind.IMPORT, "articles", JobStatus.PENDING, 2),
        (JobKind.IMPORT, "users", JobStatus.PENDING, 3),
        (JobKind.EXPORT, "comments", JobStatus.PENDING, 4),
        (JobKind.IMPORT, "comments", JobStatus.PENDING, 4),
    ]
    jobs = []
    for kind, resource, status, minute in specs:
        at = T0 + timedelta(minutes=minute)
        job = new_job(kind=kind, resource=resource, status=status, created_at=at, updated_at=at)
        job_repository.add(job)
        jobs.append(job)
    return jobs


def ids(jobs: list[Job]) -> list[str]:
    return [job.id for job in jobs]


def test_list_returns_newest_first_with_ties_by_id(job_repository: JobRepository, new_job: NewJob) -> None:
    jobs = add_listing(job_repository, new_job)

    listed = job_repository.list(JobFilter())

    assert ids(listed) == ids(jobs[::-1])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (JobFilter(kind=JobKind.EXPORT), [4, 1]),
        (JobFilter(resource="users"), [3, 1, 0]),
        (JobFilter(kind=JobKind.IMPORT, resource="users"), [3, 0]),
        (JobFilter(created_from=T0 + timedelta(minutes=2)), [5, 4, 3, 2]),
        (JobFilter(created_to=T0 + timedelta(minutes=2)), [1, 0]),
        (JobFilter(created_from=T0 + timedelta(minutes=1), created_to=T0 + timedelta(minutes=3)), [2, 1]),
        (JobFilter(limit=2), [5, 4]),
    ],
    ids=["kind", "resource", "kind+resource", "created_from", "created_to", "created_range", "limit"],
)
def test_list_filters_when_asked(
    job_repository: JobRepository, new_job: NewJob, query: JobFilter, expected: list[int]
) -> None:
    jobs = add_listing(job_repository, new_job)

    assert ids(job_repository.list(query)) == [jobs[i].id for i in expected]


def test_list_filters_by_status_when_asked(job_repository: JobRepository, new_job: NewJob) -> None:
    jobs = add_listing(job_repository, new_job)
    jobs[2].start("worker-1", T0 + timedelta(hours=1))
    job_repository.save(jobs[2])

    assert ids(job_repository.list(JobFilter(status=JobStatus.PROCESSING))) == [jobs[2].id]


def test_list_pages_through_every_job_when_following_the_cursor(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    jobs = add_listing(job_repository, new_job)
    pages: list[list[str]] = []
    after = None
    while True:
        page = job_repository.list(JobFilter(after=after, limit=2))
        if not page:
            break
        pages.append(ids(page))
        after = page[-1].id

    assert pages == [ids(jobs[5:3:-1]), ids(jobs[3:1:-1]), ids(jobs[1::-1])]


def test_list_raises_invalid_request_when_cursor_is_unknown(job_repository: JobRepository) -> None:
    with pytest.raises(InvalidRequest):
        job_repository.list(JobFilter(after="0b9e4c2a-58a5-4b8e-bd39-5f4b8f3d2c10"))


def test_find_returns_one_state_least_recently_updated_first(
    job_repository: JobRepository, new_job: NewJob
) -> None:
    jobs = add_listing(job_repository, new_job)
    jobs[0].start("worker-1", T0 + timedelta(hours=2))
    job_repository.save(jobs[0])
    jobs[3].start("worker-2", T0 + timedelta(hours=1))
    job_repository.save(jobs[3])

    assert ids(job_repository.find(JobStatus.PROCESSING)) == [jobs[3].id, jobs[0].id]
    assert ids(job_repository.find(JobStatus.PENDING, limit=3)) == ids([jobs[1], jobs[2], jobs[4]])
    assert job_repository.find(JobStatus.COMPLETED) == []


def error(row: int, field: str = "email") -> RowError:
    return RowError(row, field, ErrorCode.INVALID_FORMAT, "Invalid email format", f"bad-{row}", row + 1)


def test_errors_pages_in_row_order_when_batches_arrive_out_of_order(
    job_repository: JobRepository, batch_writer: BatchWriter, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)
    commit(batch_writer, job, [], [(error(r), {"email": f"bad-{r}"}) for r in (5, 3, 9)])
    commit(batch_writer, job, [], [(error(r), {"email": f"bad-{r}"}) for r in (1, 7)])

    assert [e.row for e in job_repository.errors(job.id)] == [1, 3, 5, 7, 9]
    assert job_repository.errors(job.id, offset=1, limit=2) == [error(3), error(5)]
    assert job_repository.errors(job.id, offset=5) == []
    assert job_repository.errors("0b9e4c2a-58a5-4b8e-bd39-5f4b8f3d2c10") == []


def test_error_rows_streams_every_error_with_its_raw_row_in_row_order(
    job_repository: JobRepository, batch_writer: BatchWriter, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)
    # More than one read chunk, and two errors on one row keep the order they were written in.
    second = list(range(1, 2501, 2))
    first = list(range(2, 2501, 2))
    commit(batch_writer, job, [], [(error(r), {"row": r, "email": f"bad-{r}"}) for r in first])
    commit(batch_writer, job, [], [(error(r), {"row": r}) for r in second] +
           [(error(1, "name"), None)])

    streamed = list(job_repository.error_rows(job.id))

    assert [e.row for e, _raw in streamed] == [1, 1, *range(2, 2501)]
    assert streamed[0] == (error(1), {"row": 1})
    assert streamed[1] == (error(1, "name"), None)
    assert streamed[2] == (error(2), {"row": 2, "email": "bad-2"})


def test_error_rows_keeps_values_json_cannot_hold_as_text(
    job_repository: JobRepository, batch_writer: BatchWriter, new_job: NewJob
) -> None:
    job = new_job()
    job_repository.add(job)
    when = datetime(2024, 1, 15, tzinfo=UTC)
    raw = {"email": "x", "age": 41, "score": 1.5, "ok": True, "none": None, "tags": ["a", "b"],
           "when": when, "price": Decimal("9.99"), "nested": {"list": ("p", 1)}}
    weird = RowError(1, "email", ErrorCode.INVALID_FORMAT, "Invalid email format", Decimal("1.5"), 2)

    commit(batch_writer, job, [], [(weird, raw)])

    [(stored_error, stored_raw)] = list(job_repository.error_rows(job.id))
    assert stored_error.value == "1.5"
    assert stored_raw == {"email": "x", "age": 41, "score": 1.5, "ok": True, "none": None,
                          "tags": ["a", "b"], "when": str(when), "price": "9.99",
                          "nested": {"list": ["p", 1]}}
    assert list(stored_raw) == list(raw)  # column order survives, for the error report


def test_save_answers_busy_at_once_or_after_the_lock_timeout_when_another_transaction_holds_the_row(
    pg_engine, new_job: NewJob,
) -> None:
    from bulkio.adapters.sql.jobs import SqlJobRepository
    from bulkio.adapters.sql.tables import jobs as jobs_table
    from bulkio.domain.errors import Busy

    _truncate(pg_engine)
    repository = SqlJobRepository(pg_engine, lock_timeout_ms=50)
    job = new_job()
    repository.add(job)
    with pg_engine.connect() as frozen:  # a worker stopped inside its batch transaction
        frozen.begin()
        frozen.execute(sa.select(jobs_table.c.id).where(jobs_table.c.id == job.id)
                       .with_for_update())
        for wait in (False, True):
            copy = repository.get(job.id)
            copy.heartbeat(T0 + timedelta(minutes=1))
            with pytest.raises(Busy):
                repository.save(copy, wait=wait)
        frozen.rollback()
    copy = repository.get(job.id)
    repository.save(copy, wait=False)
    assert repository.get(job.id).version == job.version + 1


def test_find_leaves_the_growing_documents_out_but_everything_the_sweep_reads_in(
    job_repository: JobRepository,
) -> None:
    job = full_job()  # processing, with errors and warnings inline
    job_repository.add(job)

    [found] = job_repository.find(JobStatus.PROCESSING)

    assert (found.errors, found.warnings) == ([], [])
    assert attrs.evolve(found, errors=job.errors, warnings=job.warnings) == job
    assert job_repository.get(job.id) == job  # reading it whole still gives everything


def test_get_for_state_leaves_the_growing_documents_out_when_asked(
    job_repository: JobRepository,
) -> None:
    job = full_job()
    job_repository.add(job)

    found = job_repository.get(job.id, JobRead.STATE)

    assert (found.errors, found.warnings) == ([], [])
    assert attrs.evolve(found, errors=job.errors, warnings=job.warnings) == job


def test_update_for_state_moves_the_job_and_keeps_its_inline_errors_and_warnings(
    job_repository: JobRepository,
) -> None:
    job = attrs.evolve(full_job(), status=JobStatus.PENDING)
    job_repository.add(job)

    def start(fresh: Job) -> bool:
        assert (fresh.errors, fresh.warnings) == ([], [])  # read without them
        fresh.start("worker-9", T0 + timedelta(hours=2))
        return True

    moved = job_repository.update(job.id, start, read=JobRead.STATE)

    stored = job_repository.get(job.id)
    assert moved is not None and (stored.status, stored.locked_by, stored.version) == (
        JobStatus.PROCESSING, "worker-9", job.version + 1)
    assert (stored.errors, stored.warnings) == (job.errors, job.warnings)
    assert attrs.evolve(moved, errors=job.errors, warnings=job.warnings) == stored


def test_list_reads_each_job_with_its_first_inline_error_and_warning_only(
    job_repository: JobRepository, new_job: NewJob,
) -> None:
    job, bare = listable(full_job()), new_job(created_at=T0 + timedelta(days=1))
    job.warnings.append("Unknown column 'age' ignored")
    job_repository.add(job)
    job_repository.add(bare)

    listed = job_repository.list(JobFilter())

    assert [j.id for j in listed] == [bare.id, job.id]
    assert (listed[0].errors, listed[0].warnings) == ([], [])
    assert (listed[1].errors, listed[1].warnings) == (job.errors[:1], job.warnings[:1])
    assert attrs.evolve(listed[1], errors=job.errors, warnings=job.warnings) == job


def test_a_job_read_for_a_listing_cannot_be_saved(job_repository: JobRepository) -> None:
    job = listable(full_job())
    job_repository.add(job)
    [listed] = job_repository.list(JobFilter())

    with pytest.raises(ValueError, match="listing"):
        job_repository.save(listed, read=JobRead.LISTING)
    with pytest.raises(ValueError, match="listing"):
        job_repository.update(job.id, lambda fresh: True, read=JobRead.LISTING)
    assert job_repository.get(job.id) == job


def test_deliveries_read_back_oldest_first_per_job_when_recorded(
    job_repository: JobRepository, new_job: NewJob,
) -> None:
    one, other = new_job(), new_job()
    for job in (one, other):
        job_repository.add(job)
    second = Delivery(one.id, 2, T0 + timedelta(seconds=3), status_code=200)
    first = Delivery(one.id, 1, T0 + timedelta(seconds=1), error="connection refused")

    job_repository.add_delivery(second)
    job_repository.add_delivery(first)
    job_repository.add_delivery(Delivery(other.id, 1, T0, status_code=500))

    silent = new_job()
    found = job_repository.deliveries([one.id, other.id, silent.id])
    assert list(found[one.id]) == [first, second]
    assert [d.status_code for d in found[other.id]] == [500]
    assert silent.id not in found
    assert job_repository.deliveries([]) == {}
    assert list(job_repository.deliveries([one.id])) == [one.id]


def test_split_saves_the_job_and_adds_its_chunks_which_read_back_in_row_order(
        job_repository: JobRepository, new_job: NewJob) -> None:
    job = new_job(status=JobStatus.PROCESSING, source="uploads/u.csv", source_size=900)
    job_repository.add(job)
    chunks = [job.new_chunk(new_job().id, first, last, T0)
              for first, last in ((2001, 3000), (1, 1000), (1001, 2000))]
    chunks[0].warnings.append("unknown column 'x' was ignored")
    job.chunks = 3

    job_repository.split(job, chunks)

    assert job.version == 1 and job_repository.get(job.id).chunks == 3
    found = job_repository.chunks_of(job.id)
    assert [(c.first_row, c.last_row, c.checkpoint, c.parent_id) for c in found] == [
        (1, 1000, 0, job.id), (1001, 2000, 1000, job.id), (2001, 3000, 2000, job.id)]
    assert found[2].warnings == ["unknown column 'x' was ignored"]
    assert [j.id for j in job_repository.list(JobFilter())] == [job.id]  # chunks unlisted
    assert {j.id for j in job_repository.find(JobStatus.PENDING)} == {c.id for c in chunks}


def test_split_adds_no_chunk_when_the_job_changed_since_it_was_read(
        job_repository: JobRepository, new_job: NewJob) -> None:
    job = new_job(status=JobStatus.PROCESSING)
    job_repository.add(job)
    job_repository.save(attrs.evolve(job, failure="moved on"))

    with pytest.raises(StaleJob):
        job_repository.split(job, [job.new_chunk(new_job().id, 1, 10, T0)])

    assert job_repository.chunks_of(job.id) == [] and job.version == 0


def test_text_no_database_keeps_is_shown_as_a_replacement_character_and_the_job_stays_listed(
        job_repository: JobRepository, new_job: NewJob) -> None:
    # A row holding NUL or a lone surrogate is that row's error; the job's own row keeps
    # previews of it, which PostgreSQL could neither store as text nor read back out of JSON.
    job = new_job(status=JobStatus.PROCESSING)
    job_repository.add(job)
    job.errors.append(RowError(1, "name", ErrorCode.INVALID_CHARACTER, "NUL", "Na\x00me\ud800",
                               2).brief())
    job.warn("unknown column 'a\x00b' was ignored")
    job.fail("the header names 'x\x00y'", T0)
    job_repository.save(job)

    [listed] = job_repository.list(JobFilter(limit=1))  # what the readiness check reads
    stored = job_repository.get(job.id)
    assert listed.errors[0].value == stored.errors[0].value == "Na\ufffdme\ufffd"
    assert listed.warnings == stored.warnings == ["unknown column 'a\ufffdb' was ignored"]
    assert stored.failure == "the header names 'x\ufffdy'"
