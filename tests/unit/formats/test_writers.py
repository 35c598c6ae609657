from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest

from bulkio.domain.resources import ARTICLES, USERS, Resource
from bulkio.domain.rows import SourceRow
from bulkio.domain.validation import validate
from bulkio.formats import Format, encode, open_rows

BODY = "one two three four five six seven eight nine ten eleven"
AUTHOR = "9f0c7a52-3c3b-4a52-9d0e-6f1f8d1f2a10"
USER_RECORDS = [
    {"id": "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed", "email": "ann@example.com", "name": 'Ann "The" Lee, Jr.',
     "role": "admin", "active": True},
    {"id": None, "email": "bob@example.com", "name": "Bob\nSmith", "role": "reader", "active": False},
]
ARTICLE_RECORDS = [
    {"id": None, "slug": "tags-with-commas", "title": "Commas, quotes \"and\" pipes", "body": BODY,
     "author_id": AUTHOR, "tags": ("a,b", 'say "hi"', "plain"), "status": "published",
     "published_at": datetime(2024, 1, 15, 10, 30, tzinfo=UTC)},
    {"id": None, "slug": "odd-tags", "title": "Odd tags", "body": BODY, "author_id": AUTHOR,
     "tags": ("[bracket]", " padded ", ""), "status": "published",
     "published_at": datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)},
    {"id": None, "slug": "a-draft", "title": "Draft", "body": BODY, "author_id": AUTHOR, "tags": (),
     "status": "draft", "published_at": None},
]


def export(records: list[dict[str, Any]], fmt: Format, columns: list[str]) -> bytes:
    return b"".join(encode(iter(records), fmt, columns))


def reimport(data: bytes, fmt: Format, resource: Resource) -> list[dict[str, Any] | None]:
    rows = list(open_rows(io.BytesIO(data), fmt))
    assert all(isinstance(row, SourceRow) for row in rows)
    # A blank id is no id: the record leaves it out, and a new record gets the default.
    return [{**resource.defaults, **validate(resource, row).record}  # type: ignore[arg-type]
            for row in rows]


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize(("resource", "records"), [(USERS, USER_RECORDS), (ARTICLES, ARTICLE_RECORDS)],
                         ids=["users", "articles"])
def test_records_come_back_the_same_when_exported_and_imported(
    fmt: Format, resource: Resource, records: list[dict[str, Any]]
) -> None:
    data = export(records, fmt, list(resource.field_names))
    assert reimport(data, fmt, resource) == records


def test_csv_follows_rfc4180_when_values_need_quoting() -> None:
    data = export([{"a": 'x,"y"', "b": "line\nbreak", "c": None}], Format.CSV, ["a", "b", "c"])
    assert data == b'a,b,c\r\n"x,""y""","line\nbreak",\r\n'


def test_csv_cells_are_plain_text_when_values_are_typed() -> None:
    record = {"on": True, "off": False, "tags": ("a", "b"), "at": datetime(2024, 1, 15, 12, 30, tzinfo=
              timezone(timedelta(hours=2))), "n": 3, "none": None}
    rows = list(csv.reader(io.StringIO(export([record], Format.CSV, list(record)).decode())))
    assert rows[1] == ["true", "false", "a|b", "2024-01-15T10:30:00Z", "3", ""]


def test_only_given_columns_are_written_in_order_when_records_hold_more() -> None:
    record = {"b": 2, "a": 1, "secret": "x"}
    assert export([record], Format.CSV, ["a", "b"]) == b"a,b\r\n1,2\r\n"
    assert export([record], Format.NDJSON, ["a", "b", "c"]) == b'{"a":1,"b":2,"c":null}\n'


def test_json_values_keep_their_types_when_written() -> None:
    record = {"tags": ("x", "y"), "at": datetime(2024, 1, 15, 10, 30, 0, 5), "ok": False}
    line = export([record], Format.NDJSON, ["tags", "at", "ok"])
    assert line == b'{"tags":["x","y"],"at":"2024-01-15T10:30:00.000005Z","ok":false}\n'


def test_json_is_an_array_with_one_object_per_line_when_records_exist() -> None:
    data = export([{"a": 1}, {"a": 2}], Format.JSON, ["a"])
    assert data == b'[\n{"a":1},\n{"a":2}\n]\n'
    assert orjson.loads(data) == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(("fmt", "expected"), [(Format.CSV, b"a\r\n"), (Format.NDJSON, b""), (Format.JSON, b"[]\n")])
def test_output_is_minimal_when_there_are_no_records(fmt: Format, expected: bytes) -> None:
    assert export([], fmt, ["a"]) == expected


@pytest.mark.parametrize("fmt", list(Format))
def test_output_comes_in_chunks_of_about_64_kib_when_records_are_many(fmt: Format) -> None:
    records = ({"email": f"user{i}@example.com", "name": "x" * 40} for i in range(20_000))
    chunks = list(encode(records, fmt, ["email", "name"]))
    assert len(chunks) > 5
    assert all(60 * 1024 <= len(chunk) <= 70 * 1024 for chunk in chunks[:-1])
