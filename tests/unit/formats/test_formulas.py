"""Formula-like text in CSV: one rule (`neutralized`), applied to text cells of every CSV writer
unless formulas are kept; JSON stays exact."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bulkio.domain.rows import ErrorCode, RowError
from bulkio.formats import Format, encode, encode_error_report
from bulkio.formats.values import guarded_cell, guarded_columns, neutralized


@pytest.mark.parametrize("text", ["=1+1", "+1 555 0100", "-5", "@SUM(1+1)", "\tcmd", "\r=1+1",
                                  "=", "-", '=HYPERLINK("http://x.example","y")'])
def test_text_gets_a_leading_quote_when_it_starts_with_a_formula_character(text: str) -> None:
    assert neutralized(text) == "'" + text


@pytest.mark.parametrize("text", ["", "plain", "1+1=2", " =1+1", "'=1+1", "a\t=b", "\n=1+1",
                                  "\uff1d1+1", "[=1]"])
def test_text_is_unchanged_when_no_formula_character_leads_it(text: str) -> None:
    assert neutralized(text) == text


@pytest.mark.parametrize(("value", "cell"), [
    (-5, "-5"), (-1.5, "-1.5"), (True, "true"), (None, ""),
    (datetime(2024, 1, 15, 10, 30, tzinfo=UTC), "2024-01-15T10:30:00Z"), (date(2024, 1, 15), "2024-01-15"),
    ({"=a": "=b"}, '{"=a":"=b"}'), (["=a", " b"], '["=a"," b"]'),
])
def test_values_that_are_not_text_are_written_as_they_are(value: Any, cell: str) -> None:
    assert guarded_cell(value) == cell


def test_tags_written_as_text_are_guarded_by_their_first_character() -> None:
    assert (guarded_cell(("=a", "b")), guarded_cell(("a", "=b"))) == ("'=a|b", "a|=b")


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


RECORDS = [{"name": "=1+1", "score": -5}, {"name": "@x", "score": 3}]


@pytest.mark.parametrize(("keep", "names"), [(False, ["'=1+1", "'@x"]), (True, ["=1+1", "@x"])])
def test_csv_export_neutralizes_text_unless_formulas_are_kept(keep: bool, names: list[str]) -> None:
    rows = _cells(b"".join(encode(iter(RECORDS), Format.CSV, ["name", "score"], keep)))
    assert rows == [["name", "score"], [names[0], "-5"], [names[1], "3"]]


@pytest.mark.parametrize("keep", [False, True])
def test_ndjson_export_is_exact_whatever_the_option(keep: bool) -> None:
    data = b"".join(encode(iter(RECORDS), Format.NDJSON, ["name", "score"], keep))
    assert [json.loads(line) for line in data.splitlines()] == RECORDS


RAW = {"email": "=1+1", "=HYPERLINK(\"http://x.example\")": "-2", "role": "reader"}
FAILED = [(RowError(1, "email", ErrorCode.INVALID_FORMAT, "Invalid email format", "=1+1", 2), RAW)]


@pytest.mark.parametrize("keep", [False, True])
def test_csv_error_report_neutralizes_values_and_column_names_unless_kept(keep: bool) -> None:
    header, row = _cells(b"".join(encode_error_report(iter(FAILED), Format.CSV, ["email"], keep)))
    guard = "" if keep else "'"
    assert header[:3] == ["email", guard + '=HYPERLINK("http://x.example")', "role"]
    assert row[:3] == [guard + "=1+1", guard + "-2", "reader"]


def test_json_error_report_is_exact() -> None:
    data = b"".join(encode_error_report(iter(FAILED), Format.NDJSON, ["email"]))
    assert {k: v for k, v in json.loads(data).items() if not k.startswith("_")} == RAW


def test_columns_whose_text_starts_with_the_guard_and_a_formula_character_are_found() -> None:
    records = [{"name": "'=1+1", "bio": "'plain", "role": "reader"}, {"name": "x", "bio": "'-2"}]
    assert guarded_columns(records) == {"name", "bio"}
    assert guarded_columns([{"name": "'", "bio": "=1", "n": -5}]) == set()
