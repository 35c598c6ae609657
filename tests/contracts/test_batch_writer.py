"""The BatchWriter contract, run against every adapter of the port: a batch's writes, its row
errors and its job's counters and checkpoint are committed together, fenced on the job."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bulkio.adapters.sql import PostgresBatchWriter, PostgresRecordStore, SqlJobRepository
from bulkio.domain.errors import Conflict, StaleJob
from bulkio.domain.batches import PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import ARTICLES, USERS
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.ports.batches import BatchWriter
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore
from tests.contracts.conftest import T0, commit
from tests.contracts.test_record_store import added, article, uid, user

NewJob = Callable[..., Job]


def test_write_creates_records_when_keys_are_new(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    writes = [user("grace@example.com", 1), user("ada@example.com", 2, role="admin", active=False)]

    commit(batch_writer, job, writes, [])

    by_key, by_id = record_store.lookup(USERS, {"ada@example.com", "grace@example.com"}, set())
    assert by_id == {}
    assert by_key["ada@example.com"].last_job == job.id
    assert by_key["ada@example.com"].record == {
        **writes[1], "created_at": job.updated_at, "updated_at": job.updated_at,
    }
    assert by_key["grace@example.com"].record["id"] == uid(1)


def test_write_updates_by_natural_key_and_keeps_the_id(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    first = added(job_repository, new_job())
    commit(batch_writer, first, [user("ada@example.com", 1, name="Ada")], [])
    later = added(job_repository, new_job(created_at=T0 + timedelta(hours=1),
                                            updated_at=T0 + timedelta(hours=1)))

    commit(batch_writer, later, [user("ada@example.com", 2, name="Ada Lovelace")], [])

    [stored] = record_store.stream(ExportQuery(USERS))
    assert stored["id"] == uid(1)
    assert stored["name"] == "Ada Lovelace"
    assert (stored["created_at"], stored["updated_at"]) == (T0, T0 + timedelta(hours=1))
    by_key, _ = record_store.lookup(USERS, {"ada@example.com"}, set())
    assert by_key["ada@example.com"].last_job == later.id


def test_write_keeps_the_last_write_when_a_key_repeats(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())

    commit(batch_writer, 
        job, [user("ada@example.com", 1, name="First"), user("ada@example.com", 1, name="Last")], []
    )

    assert [r["name"] for r in record_store.stream(ExportQuery(USERS))] == ["Last"]


def test_write_saves_the_job_and_bumps_its_version(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    job.start("worker-1", T0)
    job_repository.save(job)
    failure = RowError(2, "email", ErrorCode.REQUIRED, "email is required", None, 3)
    outcome = BatchOutcome(created=1, failed=1, rows=2, bytes_read=120)
    batch = PlannedBatch(outcome, T0 + timedelta(seconds=1), (user("ada@example.com", 1),),
                         ((failure, {"email": ""}),), {"ada@example.com"})

    assert batch_writer.write(job, batch) == outcome

    assert job.version == 2
    assert job_repository.get(job.id) == job
    assert (job.checkpoint, job.counters.created, job.counters.failed, job.counters.processed,
            job.counters.bytes, job.error_count, job.errors) == (2, 1, 1, 2, 120, 1, [failure])
    assert job.updated_at == T0 + timedelta(seconds=1)
    assert job_repository.errors(job.id) == [failure]
    by_key, _ = record_store.lookup(USERS, {"ada@example.com"}, set())
    assert by_key["ada@example.com"].record["updated_at"] == T0 + timedelta(seconds=1)


def test_write_writes_nothing_when_the_job_is_stale(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    stale = job_repository.get(job.id)
    job.start("worker-2", T0)
    job_repository.save(job)
    failure = RowError(2, "email", ErrorCode.REQUIRED, "email is required", None, 3)

    with pytest.raises(StaleJob):
        commit(batch_writer, stale, [user("ada@example.com", 1)], [(failure, {"email": ""})])

    assert stale.version == 0
    assert record_store.count(ExportQuery(USERS)) == 0
    assert job_repository.errors(job.id) == []
    assert job_repository.get(job.id) == job


def test_write_refuses_a_reference_to_a_missing_record(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job(resource="articles"))

    with pytest.raises(Conflict):
        commit(batch_writer, job, [article("orphan", 1, author_id=uid(99))], [])

    assert record_store.count(ExportQuery(ARTICLES)) == 0
    assert job_repository.get(job.id).version == 0


def test_write_writes_a_large_batch_in_one_go(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    writes = [user(f"bulk-{n:05d}@example.com", n, active=n % 2 == 0) for n in range(2500)]
    errors = [(RowError(n, "name", ErrorCode.REQUIRED, "name is required", None, n + 1), {"n": n})
              for n in range(2500, 2700)]

    commit(batch_writer, job, writes[::-1], errors)

    assert record_store.count(ExportQuery(USERS)) == 2500
    assert record_store.count(ExportQuery.build(USERS, {"active": "true"})) == 1250
    assert [r["email"] for r in record_store.stream(ExportQuery(USERS))] == [w["email"] for w in writes]
    assert len(job_repository.errors(job.id, limit=1000)) == 200


@contextmanager
def statements_sent(engine: sa.Engine) -> Iterator[list[str]]:
    """The SQL statements the engine sends while the block runs (COPY goes by the driver's
    cursor and is not among them), on tables emptied first."""
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE users, articles, comments, jobs, job_errors CASCADE")
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def test_postgres_batches_go_through_copy_and_a_staging_table(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine)
    batches = PostgresBatchWriter(pg_engine)
    with statements_sent(pg_engine) as statements:
        seed = added(jobs, new_job())
        commit(batches, seed, [user("ada@example.com", 1)])
        job = added(jobs, new_job(resource="articles"))
        tags = ("x,y", 'say "hi"', "{b}", "ünï", "NULL", "", "back\\slash")
        writes = [article(f"post-{n:04d}", n, tags=tags, title=f"Tab\there {n}\nnext") for n in range(2500)]
        commit(batches, job, writes)

    assert any("bulkio_stage_articles" in s for s in statements)
    stored = list(store.stream(ExportQuery(ARTICLES), batch_size=500))
    assert len(stored) == 2500
    assert stored[7]["tags"] == tags
    assert stored[7]["title"] == "Tab\there 7\nnext"


def test_write_counts_a_batch_of_new_and_stored_keys_when_it_is_large(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    first = added(job_repository, new_job())
    commit(batch_writer, first, [user(f"old{n:03d}@example.com", n, name="Old") for n in range(150)])
    job = added(job_repository, new_job())
    new = [user(f"new{n:03d}@example.com", 1000 + n, name="New") for n in range(300)]
    changed = [user(f"old{n:03d}@example.com", n, name="Changed") for n in range(150)]
    outcome = BatchOutcome(created=300, updated=150, rows=450)

    written = commit(batch_writer, job, [*changed, *new], [],
                     creates={w["email"] for w in new}, outcome=outcome)

    assert (written.created, written.updated) == (300, 150)
    names = {r["email"]: r["name"] for r in record_store.stream(ExportQuery(USERS))}
    assert len(names) == 450
    assert {names[w["email"]] for w in new} == {"New"}
    assert {names[w["email"]] for w in changed} == {"Changed"}


def test_postgres_copies_planned_creates_straight_into_the_table(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine)
    batches = PostgresBatchWriter(pg_engine)
    writes = [user(f"u{n:04d}@example.com", n) for n in range(500)]
    with statements_sent(pg_engine) as statements:
        job = added(jobs, new_job())
        written = commit(batches, job, writes, creates={w["email"] for w in writes},
                         outcome=BatchOutcome(created=500, rows=500))

    assert written.created == 500
    assert not [s for s in statements if "ON CONFLICT" in s]  # no upsert: COPY alone
    assert store.count(ExportQuery(USERS)) == 500


def test_postgres_write_runs_again_when_it_loses_a_deadlock(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE users, articles, comments, jobs, job_errors CASCADE")
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine)
    batches = PostgresBatchWriter(pg_engine, backoff=lambda _: 0.01)
    seed = added(jobs, new_job())
    commit(batches, seed, [user("a@x.io", 1), user("b@x.io", 2)])
    job = added(jobs, new_job())
    failures: list[BaseException] = []

    def write() -> None:
        try:
            commit(batches, job, [user("a@x.io", 1, name="Batch"), user("b@x.io", 2, name="Batch")])
        except BaseException as err:  # reported to the test thread below
            failures.append(err)

    with pg_engine.connect() as other:
        # The other transaction waits longer before checking for deadlocks, so the batch is
        # the one PostgreSQL aborts.
        other.exec_driver_sql("SET deadlock_timeout = '20s'")
        other.exec_driver_sql("UPDATE users SET name = 'Other' WHERE email = 'b@x.io'")
        worker = threading.Thread(target=write)
        worker.start()
        wait_until_blocked(pg_engine)  # the batch holds a@x.io and waits for b@x.io
        other.exec_driver_sql("UPDATE users SET name = 'Other' WHERE email = 'a@x.io'")
        other.commit()
        worker.join(timeout=30)

    assert failures == []
    assert job.version == 1
    assert {r["name"] for r in store.stream(ExportQuery(USERS))} == {"Batch"}


def wait_until_blocked(engine: sa.Engine) -> None:
    deadline = time.monotonic() + 10
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).scalar()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError("the batch never waited for the lock")


@pytest.mark.parametrize("new_rows", [1, 250], ids=["small-batch", "copy-sized-batch"])
def test_write_counts_a_planned_create_as_an_update_when_another_job_stored_it_first(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, new_rows: int
) -> None:
    first = added(job_repository, new_job())
    commit(batch_writer, first, [user("ada@example.com", 1, name="Ada")], [])
    # The second job looked the key up before the first one wrote it: it planned a create.
    later = added(job_repository, new_job())
    writes = [user("ada@example.com", 2, name="Ada L."),
              *(user(f"new{n}@example.com", 10 + n) for n in range(new_rows))]
    planned = BatchOutcome(created=new_rows + 1, rows=new_rows + 1)

    written = commit(batch_writer, later, writes, [], creates={w["email"] for w in writes},
                     outcome=planned)

    assert (written.created, written.updated) == (new_rows, 1)
    for counters in (later.counters, job_repository.get(later.id).counters):
        assert (counters.created, counters.updated, counters.successful) == (new_rows, 1, new_rows + 1)


def test_write_sets_only_the_fields_a_write_carries_when_the_key_exists(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    first = added(job_repository, new_job())
    commit(batch_writer, first, [user("ada@example.com", 1, name="Ada", active=False)], [])
    later = added(job_repository, new_job())

    # Required fields are always carried (validation refuses a row without them).
    commit(batch_writer, later, [{"id": uid(1), "email": "ada@example.com", "name": "Ada L",
                                  "role": "author"}], [])

    [stored] = record_store.stream(ExportQuery(USERS))
    assert (stored["name"], stored["role"], stored["active"]) == ("Ada L", "author", False)


def test_write_gives_uncarried_fields_their_defaults_when_the_key_is_new(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    seed = added(job_repository, new_job())
    commit(batch_writer, seed, [user("ada@example.com", 1)], [])
    job = added(job_repository, new_job(resource="articles"))
    write = {k: v for k, v in article("new", 1).items() if k not in ("tags", "published_at")}

    commit(batch_writer, job, [write], [])

    [stored] = record_store.stream(ExportQuery(ARTICLES))
    assert (stored["tags"], stored["published_at"]) == ((), None)


def test_a_planned_create_found_stored_keeps_the_fields_it_does_not_carry(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    # Another job stored the key between this batch's look-up and its write.
    other = added(job_repository, new_job())
    commit(batch_writer, other, [user("ada@example.com", 1, active=False)], [])
    job = added(job_repository, new_job())

    written = commit(batch_writer, job,
                     [{"id": uid(1), "email": "ada@example.com", "name": "Ada", "role": "admin"}],
                     creates={"ada@example.com"}, outcome=BatchOutcome(created=1, rows=1))

    [stored] = record_store.stream(ExportQuery(USERS))
    assert (written.created, written.updated) == (0, 1)
    assert (stored["name"], stored["active"]) == ("Ada", False)


@pytest.mark.parametrize("size", [4, 150], ids=["statement", "copy"])
def test_write_keeps_each_rows_own_fields_when_a_batch_mixes_carried_sets(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, size: int
) -> None:
    # 150 writes take PostgreSQL's COPY path; NDJSON rows of one batch may carry different keys.
    first = added(job_repository, new_job())
    emails = [f"u{n:03d}@example.com" for n in range(size)]
    commit(batch_writer, first, [user(e, n, active=False) for n, e in enumerate(emails)], [])
    later = added(job_repository, new_job())
    writes = [{"id": uid(n), "email": e, "name": f"Renamed {n}", "role": "author",
               **({} if n % 2 else {"active": True})} for n, e in enumerate(emails)]

    commit(batch_writer, later, writes, [])

    stored = {r["email"]: r for r in record_store.stream(ExportQuery(USERS))}
    for n, email in enumerate(emails):
        expected = (f"Renamed {n}", n % 2 == 0)  # odd rows leave active as stored
        assert (stored[email]["name"], stored[email]["active"]) == expected, email


def test_postgres_staging_table_is_made_again_when_the_batch_that_made_it_rolled_back(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE users, articles, comments, jobs, job_errors CASCADE")
    one = sa.create_engine(pg_engine.url.render_as_string(hide_password=False),
                           pool_size=1, max_overflow=0)  # every batch on the same connection
    try:
        jobs, batches = SqlJobRepository(one), PostgresBatchWriter(one)
        commit(batches, added(jobs, new_job()), [user("ada@example.com", 1)])
        job = added(jobs, new_job(resource="articles"))
        orphans = [article(f"orphan-{n:03d}", n, author_id=uid(99)) for n in range(150)]
        with pytest.raises(Conflict):
            commit(batches, job, orphans)  # staged by COPY, refused by the foreign key

        commit(batches, job, [article(f"post-{n:03d}", n) for n in range(150)])

        assert PostgresRecordStore(one).count(ExportQuery(ARTICLES)) == 150
    finally:
        one.dispose()
