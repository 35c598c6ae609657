"""The RecordStore contract, run against every adapter of the port."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bulkio.adapters.sql import PostgresRecordStore, SqlJobRepository
from bulkio.domain.errors import Conflict, StaleJob
from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import ARTICLES, COMMENTS, USERS, Resource
from bulkio.domain.rows import ErrorCode, RowError, SourceRow
from bulkio.domain.upsert import plan_batch
from bulkio.domain.validation import validate
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore
from tests.contracts.conftest import T0

NewJob = Callable[..., Job]
ADA_ID = "8d2f4a1e-3b6c-4d7e-9f10-2a3b4c5d6e7f"


def uid(n: int) -> str:
    return str(uuid.UUID(int=0x1000 + n))


def user(email: str, n: int = 0, **fields: Any) -> dict[str, Any]:
    return {"id": uid(n), "email": email, "name": f"User {n}", "role": "author", "active": True,
            **fields}


def added(job_repository: JobRepository, job: Job) -> Job:
    job_repository.add(job)
    return job


def test_commit_batch_creates_records_when_keys_are_new(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    writes = [user("grace@example.com", 1), user("ada@example.com", 2, role="admin", active=False)]

    record_store.commit_batch(job, writes, [])

    by_key, by_id = record_store.lookup(USERS, {"ada@example.com", "grace@example.com"}, set())
    assert by_id == {}
    assert by_key["ada@example.com"].last_job == job.id
    assert by_key["ada@example.com"].record == {
        **writes[1], "created_at": job.updated_at, "updated_at": job.updated_at,
    }
    assert by_key["grace@example.com"].record["id"] == uid(1)


def test_commit_batch_updates_by_natural_key_and_keeps_the_id(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    first = added(job_repository, new_job())
    record_store.commit_batch(first, [user("ada@example.com", 1, name="Ada")], [])
    later = added(job_repository, new_job(created_at=T0 + timedelta(hours=1),
                                            updated_at=T0 + timedelta(hours=1)))

    record_store.commit_batch(later, [user("ada@example.com", 2, name="Ada Lovelace")], [])

    [stored] = record_store.stream(ExportQuery(USERS))
    assert stored["id"] == uid(1)
    assert stored["name"] == "Ada Lovelace"
    assert (stored["created_at"], stored["updated_at"]) == (T0, T0 + timedelta(hours=1))
    by_key, _ = record_store.lookup(USERS, {"ada@example.com"}, set())
    assert by_key["ada@example.com"].last_job == later.id


def test_commit_batch_keeps_the_last_write_when_a_key_repeats(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())

    record_store.commit_batch(
        job, [user("ada@example.com", 1, name="First"), user("ada@example.com", 1, name="Last")], []
    )

    assert [r["name"] for r in record_store.stream(ExportQuery(USERS))] == ["Last"]


def test_commit_batch_saves_the_job_and_bumps_its_version(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    job.start("worker-1", T0)
    job_repository.save(job)
    failure = RowError(2, "email", ErrorCode.REQUIRED, "email is required", None, 3)
    job.record_batch(BatchOutcome(created=1, failed=1, rows=2, bytes_read=120), [failure],
                     T0 + timedelta(seconds=1))

    record_store.commit_batch(job, [user("ada@example.com", 1)], [(failure, {"email": ""})])

    assert job.version == 2
    assert job_repository.get(job.id) == job
    assert job_repository.errors(job.id) == [failure]


def test_commit_batch_writes_nothing_when_the_job_is_stale(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    stale = job_repository.get(job.id)
    job.start("worker-2", T0)
    job_repository.save(job)
    failure = RowError(2, "email", ErrorCode.REQUIRED, "email is required", None, 3)

    with pytest.raises(StaleJob):
        record_store.commit_batch(stale, [user("ada@example.com", 1)], [(failure, {"email": ""})])

    assert stale.version == 0
    assert record_store.count(ExportQuery(USERS)) == 0
    assert job_repository.errors(job.id) == []
    assert job_repository.get(job.id) == job


def test_commit_batch_refuses_a_reference_to_a_missing_record(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job(resource="articles"))

    with pytest.raises(Conflict):
        record_store.commit_batch(job, [article("orphan", 1, author_id=uid(99))], [])

    assert record_store.count(ExportQuery(ARTICLES)) == 0
    assert job_repository.get(job.id).version == 0


def test_lookup_finds_records_by_key_and_by_id(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    record_store.commit_batch(job, [user(f"u{n}@example.com", n) for n in range(1, 5)], [])

    by_key, by_id = record_store.lookup(
        USERS, {"u1@example.com", "u2@example.com", "nobody@example.com"}, {uid(2), uid(3), uid(77)}
    )

    assert set(by_key) == {"u1@example.com", "u2@example.com"}
    assert set(by_id) == {uid(2), uid(3)}
    assert by_id[uid(3)].record["email"] == "u3@example.com"
    assert by_id[uid(2)] == by_key["u2@example.com"]
    assert by_id[uid(2)].last_job == job.id
    assert record_store.lookup(USERS, set(), set()) == ({}, {})


def test_existing_ids_returns_only_the_ids_that_exist(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    record_store.commit_batch(job, [user("ada@example.com", 1), user("bob@example.com", 2)], [])

    assert record_store.existing_ids(USERS, {uid(1), uid(2), uid(3)}) == {uid(1), uid(2)}
    assert record_store.existing_ids(USERS, set()) == set()
    assert record_store.existing_ids(ARTICLES, {uid(1)}) == set()


def article(slug: str, n: int, **fields: Any) -> dict[str, Any]:
    return {"id": uid(100 + n), "slug": slug, "title": f"Title {n}",
            "body": "one two three four five six seven eight nine ten", "author_id": uid(1),
            "tags": ("a", "b"), "status": "draft", "published_at": None, **fields}


RAW_ROWS: list[tuple[Resource, dict[str, Any]]] = [
    (USERS, {"id": ADA_ID.upper(), "Email": "  Ada.Lovelace@Example.COM ", "name": "Ada Lovelace",
             "role": "admin", "active": "yes"}),
    (USERS, {"email": "grace@example.com", "name": "Grace", "role": "reader"}),
    (ARTICLES, {"slug": "notes-on-the-engine", "title": "Notes", "author_id": ADA_ID,
                "body": "The engine might compose elaborate pieces of music of any degree",
                "tags": 'x,y|say "hi"|{b}|ünï|NULL', "status": "published",
                "published_at": "2024-01-15T12:30:00.123456+02:00"}),
    (ARTICLES, {"slug": "draft", "title": "T" * 500, "author_id": ADA_ID, "tags": [],
                "body": "one two three four five six seven eight nine ten", "status": "draft"}),
    (COMMENTS, {"id": "0f8b7c52-3c4a-4f7e-9d6b-5a1e2c3d4f50", "article_id": uid(101),
                "user_id": ADA_ID, "body": "Tabs\tnewlines\nand back\\slashes, ‘quotes’"}),
]


@pytest.mark.parametrize(
    ("resource", "raw"), RAW_ROWS, ids=[f"{r.name}-{i}" for i, (r, _) in enumerate(RAW_ROWS)]
)
def test_stored_values_equal_what_validation_produces(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob,
    resource: Resource, raw: dict[str, Any],
) -> None:
    seed = added(job_repository, new_job())
    record_store.commit_batch(seed, [user("ada.lovelace@example.com", id=ADA_ID)], [])
    seed_articles = added(job_repository, new_job(resource="articles"))
    record_store.commit_batch(seed_articles, [article("seed", 1, author_id=ADA_ID)], [])
    checked = validate(resource, SourceRow(1, raw, 2))
    assert checked.record is not None, checked.errors
    record = {**checked.record, "id": checked.record.get("id") or uid(500)}
    job = added(job_repository, new_job(resource=resource.name))

    record_store.commit_batch(job, [record], [])

    by_key, _ = record_store.lookup(resource, {record[resource.key]}, set())
    stored = by_key[record[resource.key]].record
    created = {**resource.defaults, **record}  # what the row does not carry takes its default
    for name in resource.field_names:
        assert stored[name] == created[name], name
        assert type(stored[name]) is type(created[name]), name
    again = validate(resource, SourceRow(1, raw, 2))
    plan = plan_batch(resource, [again], by_key, {}, "another-job", lambda: uid(999))
    assert (plan.skipped, plan.writes) == (1, ())


def add_users(job_repository: JobRepository, record_store: RecordStore, new_job: NewJob) -> list[dict]:
    """25 users written a minute apart in five batches, with roles and activity varied."""
    roles = ("admin", "manager", "author", "editor", "reader")
    job = added(job_repository, new_job())
    written = []
    for batch in range(5):
        job.updated_at = T0 + timedelta(minutes=batch)
        writes = [
            user(f"user-{n:02d}@example.com", n, role=roles[n % 5], active=n % 3 != 0)
            for n in range(batch, 25, 5)
        ]
        record_store.commit_batch(job, writes, [])
        written += [{**w, "created_at": job.updated_at, "updated_at": job.updated_at} for w in writes]
    return sorted(written, key=lambda r: r["email"])


@pytest.mark.parametrize("batch_size", [1, 10, 25, 100])
def test_stream_returns_every_record_in_key_order_whatever_the_batch_size(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob, batch_size: int
) -> None:
    written = add_users(job_repository, record_store, new_job)

    streamed = list(record_store.stream(ExportQuery.build(USERS), batch_size=batch_size))

    assert streamed == written
    assert set(streamed[0]) == set(USERS.export_columns)


FILTERS: dict[str, tuple[dict[str, str], Callable[[dict], bool]]] = {
    "eq-role": ({"role": "admin"}, lambda r: r["role"] == "admin"),
    "eq-bool": ({"active": "false"}, lambda r: r["active"] is False),
    "eq-key": ({"email": "user-07@example.com"}, lambda r: r["email"] == "user-07@example.com"),
    "gte": ({"createdAfter": (T0 + timedelta(minutes=3)).isoformat()},
            lambda r: r["created_at"] >= T0 + timedelta(minutes=3)),
    "lt": ({"createdBefore": "2024-01-15T10:32:00Z"},
           lambda r: r["created_at"] < T0 + timedelta(minutes=2)),
    "combined": ({"role": "author", "active": "true", "createdAfter": "2024-01-15T10:31:00Z"},
                 lambda r: r["role"] == "author" and r["active"]
                 and r["created_at"] >= T0 + timedelta(minutes=1)),
    "no-match": ({"role": "editor", "active": "false", "createdBefore": "2024-01-15"}, lambda r: False),
}


@pytest.mark.parametrize("name", FILTERS)
def test_stream_and_count_apply_the_filters(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob, name: str
) -> None:
    written = add_users(job_repository, record_store, new_job)
    filters, keep = FILTERS[name]
    query = ExportQuery.build(USERS, filters)

    expected = [r for r in written if keep(r)]

    assert list(record_store.stream(query, batch_size=3)) == expected
    assert record_store.count(query) == len(expected)


def test_stream_orders_keys_by_code_point_whatever_the_database_locale(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    emails = ["ab@x.io", "a-c@x.io", "a_b@x.io", "a.b@x.io", "a+b@x.io", "é@x.io", "z@x.io", "a9@x.io"]
    job = added(job_repository, new_job())
    record_store.commit_batch(job, [user(e, n) for n, e in enumerate(emails)], [])

    streamed = [r["email"] for r in record_store.stream(ExportQuery(USERS), batch_size=3)]

    assert streamed == sorted(emails)


def test_comments_upsert_by_id_and_reference_existing_records(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    record_store.commit_batch(added(job_repository, new_job()), [user("ada@example.com", 1)], [])
    record_store.commit_batch(added(job_repository, new_job(resource="articles")),
                              [article("first-post", 1)], [])
    comment = {"id": uid(300), "article_id": uid(101), "user_id": uid(1), "body": "Nice"}
    job = added(job_repository, new_job(resource="comments"))

    record_store.commit_batch(job, [comment], [])
    record_store.commit_batch(job, [{**comment, "body": "Nice, edited"}], [])

    assert [(c["id"], c["body"]) for c in record_store.stream(ExportQuery(COMMENTS))] == [
        (uid(300), "Nice, edited")
    ]
    by_article = ExportQuery.build(COMMENTS, {"articleId": uid(101), "userId": uid(1)})
    assert record_store.count(by_article) == 1


def test_commit_batch_writes_a_large_batch_in_one_go(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    writes = [user(f"bulk-{n:05d}@example.com", n, active=n % 2 == 0) for n in range(2500)]
    errors = [(RowError(n, "name", ErrorCode.REQUIRED, "name is required", None, n + 1), {"n": n})
              for n in range(2500, 2700)]

    record_store.commit_batch(job, writes[::-1], errors)

    assert record_store.count(ExportQuery(USERS)) == 2500
    assert record_store.count(ExportQuery.build(USERS, {"active": "true"})) == 1250
    assert [r["email"] for r in record_store.stream(ExportQuery(USERS))] == [w["email"] for w in writes]
    assert len(job_repository.errors(job.id, limit=1000)) == 200


def test_postgres_batches_go_through_copy_and_a_staging_table(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE users, articles, comments, jobs, job_errors CASCADE")
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    sa.event.listen(pg_engine, "before_cursor_execute", seen)
    try:
        seed = added(jobs, new_job())
        store.commit_batch(seed, [user("ada@example.com", 1)], [])
        job = added(jobs, new_job(resource="articles"))
        tags = ("x,y", 'say "hi"', "{b}", "ünï", "NULL", "", "back\\slash")
        writes = [article(f"post-{n:04d}", n, tags=tags, title=f"Tab\there {n}\nnext") for n in range(2500)]
        store.commit_batch(job, writes, [])
    finally:
        sa.event.remove(pg_engine, "before_cursor_execute", seen)

    assert any("bulkio_stage_articles" in s for s in statements)
    stored = list(store.stream(ExportQuery(ARTICLES), batch_size=500))
    assert len(stored) == 2500
    assert stored[7]["tags"] == tags
    assert stored[7]["title"] == "Tab\there 7\nnext"


def test_postgres_commit_batch_runs_again_when_it_loses_a_deadlock(
    pg_engine: sa.Engine, new_job: NewJob
) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE users, articles, comments, jobs, job_errors CASCADE")
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine, backoff=lambda _: 0.01)
    seed = added(jobs, new_job())
    store.commit_batch(seed, [user("a@x.io", 1), user("b@x.io", 2)], [])
    job = added(jobs, new_job())
    failures: list[BaseException] = []

    def commit() -> None:
        try:
            store.commit_batch(job, [user("a@x.io", 1, name="Batch"), user("b@x.io", 2, name="Batch")], [])
        except BaseException as err:  # reported to the test thread below
            failures.append(err)

    with pg_engine.connect() as other:
        # The other transaction waits longer before checking for deadlocks, so the batch is
        # the one PostgreSQL aborts.
        other.exec_driver_sql("SET deadlock_timeout = '20s'")
        other.exec_driver_sql("UPDATE users SET name = 'Other' WHERE email = 'b@x.io'")
        worker = threading.Thread(target=commit)
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
def test_commit_batch_counts_a_planned_create_as_an_update_when_another_job_stored_it_first(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob, new_rows: int
) -> None:
    first = added(job_repository, new_job())
    record_store.commit_batch(first, [user("ada@example.com", 1, name="Ada")], [])
    # The second job looked the key up before the first one wrote it: it planned a create.
    later = added(job_repository, new_job())
    later.counters.created = later.counters.successful = new_rows + 1
    writes = [user("ada@example.com", 2, name="Ada L."),
              *(user(f"new{n}@example.com", 10 + n) for n in range(new_rows))]
    found = record_store.commit_batch(later, writes, [], creates={w["email"] for w in writes})
    assert found == 1
    saved = job_repository.get(later.id).counters
    assert (saved.created, saved.updated, saved.successful) == (new_rows, 1, new_rows + 1)


def test_commit_batch_sets_only_the_fields_a_write_carries_when_the_key_exists(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    first = added(job_repository, new_job())
    record_store.commit_batch(first, [user("ada@example.com", 1, name="Ada", active=False)], [])
    later = added(job_repository, new_job())

    # Required fields are always carried (validation refuses a row without them).
    record_store.commit_batch(later, [{"id": uid(1), "email": "ada@example.com", "name": "Ada L",
                                       "role": "author"}], [])

    [stored] = record_store.stream(ExportQuery(USERS))
    assert (stored["name"], stored["role"], stored["active"]) == ("Ada L", "author", False)


def test_commit_batch_gives_uncarried_fields_their_defaults_when_the_key_is_new(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    seed = added(job_repository, new_job())
    record_store.commit_batch(seed, [user("ada@example.com", 1)], [])
    job = added(job_repository, new_job(resource="articles"))
    write = {k: v for k, v in article("new", 1).items() if k not in ("tags", "published_at")}

    record_store.commit_batch(job, [write], [])

    [stored] = record_store.stream(ExportQuery(ARTICLES))
    assert (stored["tags"], stored["published_at"]) == ((), None)


def test_a_planned_create_found_stored_keeps_the_fields_it_does_not_carry(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob
) -> None:
    # Another job stored the key between this batch's look-up and its write.
    other = added(job_repository, new_job())
    record_store.commit_batch(other, [user("ada@example.com", 1, active=False)], [])
    job = added(job_repository, new_job())

    found = record_store.commit_batch(
        job, [{"id": uid(1), "email": "ada@example.com", "name": "Ada", "role": "admin"}], [],
        creates={"ada@example.com"})

    [stored] = record_store.stream(ExportQuery(USERS))
    assert (found, stored["name"], stored["active"]) == (1, "Ada", False)


@pytest.mark.parametrize("size", [4, 150], ids=["statement", "copy"])
def test_commit_batch_keeps_each_rows_own_fields_when_a_batch_mixes_carried_sets(
    job_repository: JobRepository, record_store: RecordStore, new_job: NewJob, size: int
) -> None:
    # 150 writes take PostgreSQL's COPY path; NDJSON rows of one batch may carry different keys.
    first = added(job_repository, new_job())
    emails = [f"u{n:03d}@example.com" for n in range(size)]
    record_store.commit_batch(first, [user(e, n, active=False) for n, e in enumerate(emails)], [])
    later = added(job_repository, new_job())
    writes = [{"id": uid(n), "email": e, "name": f"Renamed {n}", "role": "author",
               **({} if n % 2 else {"active": True})} for n, e in enumerate(emails)]

    record_store.commit_batch(later, writes, [])

    stored = {r["email"]: r for r in record_store.stream(ExportQuery(USERS))}
    for n, email in enumerate(emails):
        expected = (f"Renamed {n}", n % 2 == 0)  # odd rows leave active as stored
        assert (stored[email]["name"], stored[email]["active"]) == expected, email
