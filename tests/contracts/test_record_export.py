"""`RecordStore.export` writes, byte for byte, what the Python writers write for `stream`.

PostgreSQL formats every value in SQL (`COPY (SELECT …) TO STDOUT`), so this is the proof that
its exports did not change: every resource, every filter, every choice of one column, all
columns and a reordering, in every format, with formulas neutralized and kept, over values
chosen to hit each formatting rule, and a property over generated values.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkio.adapters.sql import PostgresBatchWriter, PostgresRecordStore, SqlJobRepository
from bulkio.domain.jobs import Job, JobKind
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import ARTICLES, COMMENTS, RESOURCES, USERS, Resource
from bulkio.formats import Format, encode
from bulkio.formats.values import FORMULA_GUARD, FORMULA_TRIGGERS
from bulkio.ports.batches import BatchWriter
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore
from tests.contracts.conftest import T0, commit

NewJob = Callable[..., Job]
BODY = "one two three four five six seven eight nine ten"
# Each one hits a rule of the CSV or JSON writer: quoting, line ends, the lone `\.`, padding,
# characters JSON escapes, text that only looks like a list, a formula after each of its
# triggers (and one inside, one after a space, one already quoted, a lone minus, a negative
# number, each needing a guard or not).
ODD_TEXTS = ["plain", 'say "hi", twice', "line\nbreak", "carriage\rreturn", "\\.", " padded ",
             "=SUM(A1)", "tab\there", "ctrl\x01\x1f\x7f", "ünï\u2028cödé 😀", "[not json", "a|b",
             "\u3000wide space", "back\\slash/", '=HYPERLINK("http://x.example","a,b")',
             "@SUM(1+1)", "+1 555 0100", "-5", "-", "\tcmd", "\r=1+1", "\rline\nbreak",
             "1+1=2", " =padded", "'=quoted"]
ODD_TAGS = [(), ("plain", "tags"), ("a,b", 'say "hi"'), ("[bracket]", "x"), (" padded ",),
            ("",), ("\u3000wide",), ("one",), ("line\nbreak", "ü"), ("tab\t",),
            ("=cmd", "x"), ("@a",), ("x", "=not first"), ("-", "+"), ("\tlead",)]
MOMENTS = [T0, T0 + timedelta(microseconds=1), T0 + timedelta(seconds=59, microseconds=999999),
           datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
           datetime(999, 3, 4, 5, 6, 7, 120, tzinfo=UTC)]


def uid(n: int) -> str:
    return str(uuid.UUID(int=0x5000 + n))


def exported(store: RecordStore, query: ExportQuery, fmt: Format) -> tuple[bytes, int]:
    chunks = list(store.export(query, fmt, batch_size=7))
    return b"".join(chunk for chunk, _ in chunks), sum(rows for _, rows in chunks)


def written(store: RecordStore, query: ExportQuery, fmt: Format) -> tuple[bytes, int]:
    records = list(store.stream(query, batch_size=7))
    return b"".join(encode(iter(records), fmt, query.columns, query.keep_formulas)), len(records)


def seed(jobs: JobRepository, batches: BatchWriter, new_job: NewJob) -> None:
    """Users, articles and comments with every odd value, written at several moments."""
    users = [{"id": uid(n), "email": f"u{n:02d}@example.com", "name": text,
              "role": ("admin", "reader")[n % 2], "active": n % 3 != 0}
             for n, text in enumerate(ODD_TEXTS)]
    articles = [{"id": uid(100 + n), "slug": f"a-{n:02d}", "title": ODD_TEXTS[n % len(ODD_TEXTS)],
                 "body": f"{BODY} {ODD_TEXTS[n % len(ODD_TEXTS)]}", "author_id": uid(n % 3),
                 "tags": tags, "status": ("draft", "published")[n % 2],
                 "published_at": None if n % 2 == 0 else MOMENTS[n % len(MOMENTS)]}
                for n, tags in enumerate(ODD_TAGS)]
    comments = [{"id": uid(200 + n), "article_id": uid(100 + n % 4), "user_id": uid(n % 5),
                 "body": text} for n, text in enumerate(ODD_TEXTS)]
    for n, (name, rows) in enumerate((("users", users), ("articles", articles),
                                      ("comments", comments))):
        for moment, part in zip(MOMENTS, (rows[i::3] for i in range(3)), strict=False):
            job = new_job(resource=name, updated_at=moment + timedelta(minutes=n))
            jobs.add(job)
            commit(batches, job, part)


def queries(resource: Resource) -> Iterator[ExportQuery]:
    """No filter and each filter, crossed with all columns, each single column and a reordering,
    formulas neutralized and kept."""
    values = {"role": "admin", "active": "false", "email": "u03@example.com", "status": "published",
              "authorId": uid(1), "slug": "a-03", "articleId": uid(101), "userId": uid(2),
              "createdAfter": "2024-01-15T10:31:00Z", "createdBefore": "2024-01-15T10:30:00.000001Z"}
    choices = [None, *([c] for c in resource.export_columns), list(reversed(resource.export_columns))]
    for flt in [None, *resource.filters]:
        for fields in choices:
            for keep in (False, True):
                yield ExportQuery.build(resource, None if flt is None else {flt.name: values[flt.name]},
                                        fields, keep_formulas=keep)


@pytest.mark.parametrize("resource", [USERS, ARTICLES, COMMENTS], ids=lambda r: r.name)
def test_export_writes_what_the_writers_write_for_every_filter_and_choice_of_fields(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, resource: Resource
) -> None:
    seed(job_repository, batch_writer, new_job)
    matched = 0
    for query in queries(resource):
        for fmt in Format:
            data, rows = exported(record_store, query, fmt)
            assert (data, rows) == written(record_store, query, fmt), (fmt, query)
            matched += rows
    assert matched > 0


GUARDED = {"=SUM(A1)": "'=SUM(A1)", "@SUM(1+1)": "'@SUM(1+1)", "+1 555 0100": "'+1 555 0100",
           "-5": "'-5", "-": "'-", "\tcmd": "'\tcmd", "\r=1+1": "'\r=1+1",
           '=HYPERLINK("http://x.example","a,b")': '\'=HYPERLINK("http://x.example","a,b")'}
UNGUARDED = ["plain", "tab\there", "1+1=2", " =padded", "'=quoted", "carriage\rreturn"]


def cells(data: bytes) -> list[str]:
    return [row[0] for row in csv.reader(io.StringIO(data.decode(), newline=""))][1:]


@pytest.mark.parametrize("keep", [False, True], ids=["neutralized", "kept"])
def test_csv_export_guards_formula_like_text_unless_formulas_are_kept(
    job_repository: JobRepository, record_store: RecordStore, batch_writer: BatchWriter,
    new_job: NewJob, keep: bool,
) -> None:
    seed(job_repository, batch_writer, new_job)
    names = cells(exported(record_store, ExportQuery.build(USERS, fields=["name"],
                                                           keep_formulas=keep), Format.CSV)[0])
    for raw, guarded in GUARDED.items():
        assert (raw if keep else guarded) in names and (guarded not in names if keep else
                                                        raw not in names)
    assert set(UNGUARDED) <= set(names)
    tags = cells(exported(record_store, ExportQuery.build(ARTICLES, fields=["tags"],
                                                          keep_formulas=keep), Format.CSV)[0])
    assert {"=cmd|x" if keep else "'=cmd|x", "x|=not first", "-|+" if keep else "'-|+"} <= set(tags)
    for fmt in (Format.NDJSON, Format.JSON):  # exact, whatever the option
        data = exported(record_store, ExportQuery.build(USERS, fields=["name"], keep_formulas=keep),
                        fmt)[0]
        objects = (json.loads(data) if fmt is Format.JSON else
                   [json.loads(line) for line in data.split(b"\n") if line])
        found = [o["name"] for o in objects]
        assert sorted(found) == sorted(ODD_TEXTS)


def test_export_writes_a_header_only_csv_and_an_empty_array_when_nothing_matches(
    record_store: RecordStore,
) -> None:
    query = ExportQuery.build(USERS, {"role": "editor"})
    assert exported(record_store, query, Format.CSV) == (
        b"id,email,name,role,active,created_at,updated_at\r\n", 0)
    assert exported(record_store, query, Format.JSON) == (b"[]\n", 0)
    assert exported(record_store, query, Format.NDJSON) == (b"", 0)


# -- a property over generated values (PostgreSQL, where the formatting is SQL of its own) ------

# PostgreSQL text holds neither NUL nor lone surrogates, and neither can come out of an import.
PLAIN = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
# Half the texts start with a formula trigger (or the guard itself), which plain text seldom does.
TEXT = PLAIN | st.builds(str.__add__, st.sampled_from([*FORMULA_TRIGGERS, FORMULA_GUARD]), PLAIN)
MOMENT = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                      timezones=st.just(UTC))
ARTICLE = st.fixed_dictionaries({
    "title": TEXT, "body": TEXT, "tags": st.lists(TEXT, max_size=4).map(tuple),
    "status": st.sampled_from(("draft", "published", "archived")),
    "published_at": st.none() | MOMENT,
})
USER = st.fixed_dictionaries({"name": TEXT, "active": st.booleans()})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(users=st.lists(USER, min_size=1, max_size=3), articles=st.lists(ARTICLE, max_size=4),
       written_at=MOMENT, column=st.sampled_from(ARTICLES.export_columns),
       user_column=st.sampled_from(USERS.export_columns), keep=st.booleans())
def test_postgres_export_writes_what_the_writers_write_for_any_values(
    pg_engine: Any, users: list[dict[str, Any]], articles: list[dict[str, Any]],
    written_at: datetime, column: str, user_column: str, keep: bool,
) -> None:
    jobs, store = SqlJobRepository(pg_engine), PostgresRecordStore(pg_engine)
    batches = PostgresBatchWriter(pg_engine)
    job = Job(id=str(uuid.uuid4()), kind=JobKind.IMPORT, resource="users", format="csv",
              created_at=written_at, updated_at=written_at)
    jobs.add(job)
    author = str(uuid.uuid4())
    user_rows = [{"id": author if n == 0 else str(uuid.uuid4()), "email": f"{uuid.uuid4()}@example.com",
                  "role": "author", **u} for n, u in enumerate(users)]
    commit(batches, job, user_rows)
    job.resource = "articles"
    commit(batches, job, [{"id": str(uuid.uuid4()), "slug": f"s-{uuid.uuid4()}", "author_id": author,
                           **a} for a in articles])
    by_author = {"authorId": author}
    for query in (ExportQuery.build(ARTICLES, by_author, keep_formulas=keep),
                  ExportQuery.build(ARTICLES, by_author, [column], keep),
                  ExportQuery.build(USERS, {"email": user_rows[0]["email"]}, [user_column], keep),
                  ExportQuery.build(USERS, {"email": user_rows[-1]["email"]}, keep_formulas=keep)):
        for fmt in Format:
            assert exported(store, query, fmt) == written(store, query, fmt), (fmt, query)


assert set(RESOURCES) == {"users", "articles", "comments"}  # every resource is seeded above
