"""Arbitrary values in every field of every resource: a job always completes, a dry run always
answers, and SQLite and PostgreSQL give every row the same verdict and store the same records.

Hypothesis writes NDJSON files whose fields hold text with control characters, NUL and lone
surrogates, numbers where text is expected and the reverse, dates and times at and beyond the
calendar's ends, nested arrays and objects, or nothing at all; each file is imported (and
validated) through the same pipeline on both back ends, side by side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkio.adapters.clock import FixedClock
from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.adapters.sql import (
    PostgresBatchWriter,
    PostgresRecordStore,
    SqlBatchWriter,
    SqlJobRepository,
    SqlRecordStore,
    create_engine_for,
    ensure_schema,
)
from bulkio.domain.jobs import Job, JobStatus
from bulkio.ports.jobs import JobFilter
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import ARTICLES, COMMENTS, USERS, Resource
from bulkio.domain.rows import SourceRow
from bulkio.domain.validation import validate
from bulkio.services.settings import JobSettings
from tests.production import empty_database
from tests.doubles import RecordingQueue
from tests.unit.services.conftest import World

AUTHOR = "11111111-1111-4111-8111-111111111111"
ARTICLE = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
BODY = "one two three four five six seven eight nine ten"
SEED = {
    "users": {"id": AUTHOR, "email": "author@example.com", "name": "Author", "role": "author"},
    "articles": {"id": ARTICLE, "slug": "seed", "title": "Seed", "body": BODY, "author_id": AUTHOR,
                 "status": "draft"},
}

# Text from the whole of Unicode (controls, NUL, lone surrogates included), and the known
# troublemakers often enough that a short run meets them.
NASTY = st.sampled_from(["Ann\x00Lee", "\x00", "\ud800", "x\udfff", "\x07\x1b[31m\x7f", "\u202eevil",
                         "\ufeffBOM", "\U0001d518", "e\u0301", "  ", "=1+1", "\r\n"])
TEXT = st.one_of(NASTY, st.text(st.characters(codec=None, exclude_categories=()), max_size=12))
EDGE_TIMES = st.sampled_from([
    "0001-01-01", "0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00-01:00",
    "9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-01:00", "9999-12-31T23:59:59+01:00",
    "10000-01-01", "0000-12-31", "-0001-01-01", "2024-02-30", "2024-01-15T24:00:00",
    "2024-01-15T10:30:00+14:00", "2024-01-15T10:30:00+24:00", "1970-01-01T00:00:00Z",
])
SCALARS = st.one_of(st.none(), st.booleans(), TEXT, st.integers(),
                    st.integers(min_value=10**18, max_value=10**40),
                    st.floats(allow_nan=True, allow_infinity=True), EDGE_TIMES)
HOSTILE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=6)
DATES = st.one_of(EDGE_TIMES, st.datetimes().map(lambda d: d.isoformat()))

PLAUSIBLE: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "users": {
        "id": st.sampled_from([None, "", AUTHOR, "22222222-2222-4222-8222-222222222222"]),
        "email": st.sampled_from(["a@example.com", "A@Example.COM", "jos\u00e9@example.com",
                                  "jose\u0301@example.com", "author@example.com"]),
        "name": TEXT, "role": st.sampled_from(["admin", "reader", "Reader", ""]),
        "active": st.sampled_from([True, False, "yes", "0", "", None]),
    },
    "articles": {
        "id": st.sampled_from([None, ARTICLE, "33333333-3333-4333-8333-333333333333"]),
        "slug": st.sampled_from(["seed", "one", "two-three", "Two"]), "title": TEXT,
        "body": st.sampled_from([BODY, BODY + " \u0000", "short"]), "author_id": st.just(AUTHOR),
        "tags": st.lists(TEXT, max_size=3), "status": st.sampled_from(["draft", "published"]),
        "published_at": st.one_of(st.none(), DATES),
    },
    "comments": {
        "id": st.sampled_from([None, "44444444-4444-4444-8444-444444444444"]),
        "article_id": st.just(ARTICLE), "user_id": st.just(AUTHOR), "body": TEXT,
    },
}


ABSENT = object()


@st.composite
def row_of(draw: st.DrawFn, resource: Resource) -> dict[str, Any]:
    """A plausible row with up to two fields made hostile or left out."""
    fields = PLAUSIBLE[resource.name]
    row = {name: draw(strategy) for name, strategy in fields.items()}
    for name in draw(st.lists(st.sampled_from(list(fields)), max_size=2, unique=True)):
        value = draw(st.one_of(HOSTILE, st.just(ABSENT)))
        if value is ABSENT:
            del row[name]
        else:
            row[name] = value
    return row


def ndjson(rows: list[dict[str, Any]]) -> bytes:
    # ASCII escapes carry lone surrogates; NaN and Infinity make lines that are not JSON.
    return "".join(json.dumps(row) + "\n" for row in rows).encode("ascii")


def world(jobs: SqlJobRepository, records: SqlRecordStore, batches: SqlBatchWriter,
          folder: Path) -> World:
    return World(jobs=jobs, records=records, storage=LocalFileStorage(folder),  # type: ignore[arg-type]
                 queue=RecordingQueue(), clock=FixedClock(), fetcher=InMemoryFetcher({}),
                 settings=JobSettings(batch_size=3, worker_id="test-worker"), files=folder,
                 batches=batches)


@pytest.fixture
def back_ends(pg_url: str, tmp_path: Path) -> Iterator[dict[str, World]]:
    """The same pipeline on SQLite and on PostgreSQL (COPY from 2 rows), with one author and
    one article stored in each."""
    empty_database(pg_url)
    lite = create_engine_for(f"sqlite:///{tmp_path}/db/bulkio.db")
    ensure_schema(lite)
    pg = create_engine_for(pg_url)
    worlds = {
        "sqlite": world(SqlJobRepository(lite), SqlRecordStore(lite), SqlBatchWriter(lite),
                        tmp_path / "files-sqlite"),
        "postgres": world(SqlJobRepository(pg), PostgresRecordStore(pg),
                          PostgresBatchWriter(pg, copy_threshold=2), tmp_path / "files-pg"),
    }
    for name, row in SEED.items():
        for each in worlds.values():
            assert each.upload(name, json.dumps(row), "seed.ndjson").counters.created == 1
    yield worlds
    lite.dispose()
    pg.dispose()


def verdict(job: Job) -> tuple[Any, ...]:
    c = job.counters
    return (job.status, job.failure, c.processed, c.created, c.updated, c.skipped, c.failed)


def row_errors(w: World, job: Job) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.field, e.code.value) for e in w.jobs.errors(job.id, limit=1000)]


def stored(w: World, resource: Resource) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")}
            for r in w.records.stream(ExportQuery(resource))]


def check_same_verdict(worlds: dict[str, World], resource: Resource, rows: list[dict]) -> None:
    data = ndjson(rows)
    for dry_run in (True, False):
        jobs = {name: w.upload(resource.name, data.decode(), "rows.ndjson", dry_run=dry_run)
                for name, w in worlds.items()}
        for name, job in jobs.items():
            assert job.status is JobStatus.COMPLETED, job.failure
            assert job.counters.processed == len(rows)
            # Its inline errors and warnings preview the values: the job list (what readiness
            # checks read) must still read it back.
            assert worlds[name].jobs.list(JobFilter(limit=1))[0].id == job.id
        lite, pg = (verdict(jobs[n]) for n in ("sqlite", "postgres"))
        assert lite == pg
        assert row_errors(worlds["sqlite"], jobs["sqlite"]) == \
            row_errors(worlds["postgres"], jobs["postgres"])
    assert stored(worlds["sqlite"], resource) == stored(worlds["postgres"], resource)


EXAMPLES = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.mark.parametrize("resource", [USERS, ARTICLES, COMMENTS], ids=lambda r: r.name)
def test_arbitrary_values_never_crash_validation_when_checked_alone(resource: Resource) -> None:
    @given(st.lists(row_of(resource), max_size=4))
    @settings(max_examples=200, deadline=None)
    def check(rows: list[dict[str, Any]]) -> None:
        for number, row in enumerate(rows, 1):
            result = validate(resource, SourceRow(number, row))
            assert (result.record is None) == bool(result.errors)

    check()


@EXAMPLES
@given(rows=st.lists(row_of(USERS), min_size=1, max_size=6))
def test_users_with_arbitrary_values_get_one_verdict_on_both_back_ends(back_ends, rows) -> None:
    check_same_verdict(back_ends, USERS, rows)


@EXAMPLES
@given(rows=st.lists(row_of(ARTICLES), min_size=1, max_size=6))
def test_articles_with_arbitrary_values_get_one_verdict_on_both_back_ends(back_ends, rows) -> None:
    check_same_verdict(back_ends, ARTICLES, rows)


@EXAMPLES
@given(rows=st.lists(row_of(COMMENTS), min_size=1, max_size=6))
def test_comments_with_arbitrary_values_get_one_verdict_on_both_back_ends(back_ends, rows) -> None:
    check_same_verdict(back_ends, COMMENTS, rows)
