"""The RecordStore contract, run against every adapter of the port."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import pytest
from psycopg import pq

from bulkio.domain.jobs import Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import ARTICLES, COMMENTS, USERS, Resource
from bulkio.domain.rows import SourceRow
from bulkio.domain.upsert import plan_batch
from bulkio.domain.validation import validate
from bulkio.ports.batches import BatchWriter
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore
from tests.contracts.conftest import T0, commit

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


def test_lookup_finds_records_by_key_and_by_id(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    commit(batch_writer, job, [user(f"u{n}@example.com", n) for n in range(1, 5)], [])

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
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    commit(batch_writer, job, [user("ada@example.com", 1), user("bob@example.com", 2)], [])

    assert record_store.existing_ids(USERS, {uid(1), uid(2), uid(3)}) == {uid(1), uid(2)}
    assert record_store.existing_ids(USERS, set()) == set()
    assert record_store.existing_ids(ARTICLES, {uid(1)}) == set()


def test_a_held_store_reads_what_the_store_reads_and_sees_later_commits(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    job = added(job_repository, new_job())
    commit(batch_writer, job, [user("ada@example.com", 1)], [])

    with record_store.held() as held:
        first = held.lookup(USERS, {"ada@example.com", "bob@example.com"}, {uid(2)})
        commit(batch_writer, job, [user("bob@example.com", 2)], [])  # while it is held
        second = held.lookup(USERS, {"ada@example.com", "bob@example.com"}, {uid(2)})
        ids = held.existing_ids(USERS, {uid(1), uid(2), uid(3)})

    assert (set(first[0]), set(first[1])) == ({"ada@example.com"}, set())
    assert (set(second[0]), set(second[1])) == ({"ada@example.com", "bob@example.com"}, {uid(2)})
    assert second == record_store.lookup(USERS, {"ada@example.com", "bob@example.com"}, {uid(2)})
    assert ids == {uid(1), uid(2)}


def test_postgres_key_reads_never_scan_and_leave_pooled_sessions_as_they_were(
    pg_engine: Any
) -> None:
    from bulkio.adapters.sql import PostgresRecordStore

    store = PostgresRecordStore(pg_engine)
    with pg_engine.connect() as conn:
        zone = conn.exec_driver_sql("SHOW TimeZone").scalar()
    with store.held() as held, held._key_reads() as conn:  # type: ignore[attr-defined]
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "off"
        # keys go as a binary array; uuids come back as text and times in UTC
        assert held_format(conn) == pq.Format.BINARY
        assert conn.exec_driver_sql("SELECT now()").scalar().tzinfo is UTC
        assert conn.connection.driver_connection.execute(
            "SELECT gen_random_uuid()").fetchone()[0].__class__ is str
    with store._key_reads() as conn:
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "off"
    for _ in range(3):  # whichever pooled connection comes next: the setting did not stay
        with pg_engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"
            assert held_format(conn) == pq.Format.TEXT
            assert conn.exec_driver_sql("SHOW TimeZone").scalar() == zone


def held_format(conn: Any) -> pq.Format:
    """How the connection's psycopg adapters send a list parameter (`%s`)."""
    from psycopg.adapt import PyFormat

    adapters = conn.connection.driver_connection.adapters
    return adapters.get_dumper(list, PyFormat.AUTO).format


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
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob,    resource: Resource, raw: dict[str, Any],
) -> None:
    seed = added(job_repository, new_job())
    commit(batch_writer, seed, [user("ada.lovelace@example.com", id=ADA_ID)], [])
    seed_articles = added(job_repository, new_job(resource="articles"))
    commit(batch_writer, seed_articles, [article("seed", 1, author_id=ADA_ID)], [])
    checked = validate(resource, SourceRow(1, raw, 2))
    assert checked.record is not None, checked.errors
    record = {**checked.record, "id": checked.record.get("id") or uid(500)}
    job = added(job_repository, new_job(resource=resource.name))

    commit(batch_writer, job, [record], [])

    by_key, _ = record_store.lookup(resource, {record[resource.key]}, set())
    stored = by_key[record[resource.key]].record
    created = {**resource.defaults, **record}  # what the row does not carry takes its default
    for name in resource.field_names:
        assert stored[name] == created[name], name
        assert type(stored[name]) is type(created[name]), name
    again = validate(resource, SourceRow(1, raw, 2))
    plan = plan_batch(resource, [again], by_key, {}, "another-job", lambda: uid(999))
    assert (plan.skipped, plan.writes) == (1, ())


def add_users(job_repository: JobRepository, batch_writer: BatchWriter, new_job: NewJob) -> list[dict]:
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
        commit(batch_writer, job, writes, [])
        written += [{**w, "created_at": job.updated_at, "updated_at": job.updated_at} for w in writes]
    return sorted(written, key=lambda r: r["email"])


@pytest.mark.parametrize("batch_size", [1, 10, 25, 100])
def test_stream_returns_every_record_in_key_order_whatever_the_batch_size(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, batch_size: int
) -> None:
    written = add_users(job_repository, batch_writer, new_job)

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
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, name: str
) -> None:
    written = add_users(job_repository, batch_writer, new_job)
    filters, keep = FILTERS[name]
    query = ExportQuery.build(USERS, filters)

    expected = [r for r in written if keep(r)]

    assert list(record_store.stream(query, batch_size=3)) == expected
    assert record_store.count(query) == len(expected)


def test_stream_orders_keys_by_code_point_whatever_the_database_locale(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    emails = ["ab@x.io", "a-c@x.io", "a_b@x.io", "a.b@x.io", "a+b@x.io", "é@x.io", "z@x.io", "a9@x.io"]
    job = added(job_repository, new_job())
    commit(batch_writer, job, [user(e, n) for n, e in enumerate(emails)], [])

    streamed = [r["email"] for r in record_store.stream(ExportQuery(USERS), batch_size=3)]

    assert streamed == sorted(emails)


def test_comments_upsert_by_id_and_reference_existing_records(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob
) -> None:
    commit(batch_writer, added(job_repository, new_job()), [user("ada@example.com", 1)], [])
    commit(batch_writer, added(job_repository, new_job(resource="articles")),
           [article("first-post", 1)], [])
    comment = {"id": uid(300), "article_id": uid(101), "user_id": uid(1), "body": "Nice"}
    job = added(job_repository, new_job(resource="comments"))

    commit(batch_writer, job, [comment], [])
    commit(batch_writer, job, [{**comment, "body": "Nice, edited"}], [])

    assert [(c["id"], c["body"]) for c in record_store.stream(ExportQuery(COMMENTS))] == [
        (uid(300), "Nice, edited")
    ]
    by_article = ExportQuery.build(COMMENTS, {"articleId": uid(101), "userId": uid(1)})
    assert record_store.count(by_article) == 1
