from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from bulkio.domain.resources import USERS
from bulkio.domain.rows import ErrorCode, MalformedRow, RowError, SourceRow
from bulkio.domain.validation import unknown_columns, validate
from bulkio.formats import ERROR_COLUMNS, Format, encode_error_report, open_rows

COLUMNS = ["email", "name", "role"]
ROW_2 = {"email": "not-an-email", "name": "", "role": "admin"}
ROW_5 = {"email": "eve@example.com", "name": "Eve", "role": "boss"}
ERRORS: list[tuple[RowError, dict[str, Any] | None]] = [
    (RowError(2, "email", ErrorCode.INVALID_FORMAT, "Invalid email format", "not-an-email", 3), ROW_2),
    (RowError(2, "name", ErrorCode.REQUIRED, "name is required", "", 3), ROW_2),
    (MalformedRow(4, "row has 4 values but the header has 3 columns", "a,b,c,d", 5).error(), None),
    (RowError(5, "role", ErrorCode.INVALID_ENUM, "Invalid role", "boss", 6), ROW_5),
]


def report(fmt: Format, errors: list[tuple[RowError, Any]] = ERRORS, columns: list[str] = COLUMNS) -> bytes:
    return b"".join(encode_error_report(iter(errors), fmt, columns))


def test_errors_of_one_row_are_merged_when_they_come_together() -> None:
    rows = list(csv.DictReader(io.StringIO(report(Format.CSV).decode())))
    assert [r["_error_row"] for r in rows] == ["2", "4", "5"]
    assert rows[0] == {
        "email": "not-an-email", "name": "", "role": "admin", "_error_row": "2",
        "_error_field": "email; name", "_error_code": "invalid_format; required",
        "_error_message": "Invalid email format; name is required",
    }


def test_csv_report_has_original_columns_then_error_columns_when_written() -> None:
    header = next(csv.reader(io.StringIO(report(Format.CSV).decode())))
    assert header == [*COLUMNS, *ERROR_COLUMNS]


def test_row_values_are_empty_when_the_row_could_not_be_read() -> None:
    rows = list(csv.DictReader(io.StringIO(report(Format.CSV).decode())))
    assert rows[1]["email"] == "" and rows[1]["_error_code"] == "malformed_row"


def test_json_report_keeps_raw_values_when_written() -> None:
    objects = orjson.loads(report(Format.JSON))
    assert objects[0] == {**ROW_2, "_error_row": 2, "_error_field": "email; name",
                          "_error_code": "invalid_format; required",
                          "_error_message": "Invalid email format; name is required"}
    assert objects[1] == {"_error_row": 4, "_error_field": "", "_error_code": "malformed_row",
                          "_error_message": "row has 4 values but the header has 3 columns"}
    lines = report(Format.NDJSON).splitlines()
    assert [orjson.loads(line) for line in lines] == objects


def test_old_error_columns_are_replaced_when_a_report_is_reported_again() -> None:
    again = [(RowError(1, "role", ErrorCode.INVALID_ENUM, "Invalid role", "boss"), {**ROW_5, "_error_row": "5"})]
    header = next(csv.reader(io.StringIO(report(Format.CSV, again, [*COLUMNS, *ERROR_COLUMNS]).decode())))
    assert header == [*COLUMNS, *ERROR_COLUMNS]
    assert orjson.loads(report(Format.NDJSON, again))["_error_row"] == 1


def test_fixed_report_imports_cleanly_when_error_columns_are_left_in() -> None:
    fixed = report(Format.CSV).replace(b"not-an-email", b"ann@example.com").replace(b",,admin", b",Ann,admin")
    reader = open_rows(io.BytesIO(fixed), Format.CSV)
    first = next(reader)
    assert isinstance(first, SourceRow)
    assert unknown_columns(USERS, reader.columns) == []
    assert validate(USERS, first).record == {"email": "ann@example.com", "name": "Ann", "role": "admin"}


def test_report_is_empty_when_there_are_no_errors() -> None:
    assert report(Format.JSON, []) == b"[]\n"
    assert report(Format.CSV, []) == b"email,name,role,_error_row,_error_field,_error_code,_error_message\r\n"


def test_csv_report_of_rows_with_other_keys_has_a_column_for_every_field() -> None:
    # NDJSON rows need not carry the same keys: a later row's `active` and `id` must not be
    # lost because the first failed row had neither.
    first = {"email": "r1@x.com", "name": "R1", "role": "nope"}
    later = {"email": "r2@x.com", "name": "R2", "role": "nope", "active": False,
             "id": "33333333-3333-4333-8333-333333333333"}
    errors = [(RowError(1, "role", ErrorCode.INVALID_ENUM, "Invalid role", "nope", 1), first),
              (RowError(2, "role", ErrorCode.INVALID_ENUM, "Invalid role", "nope", 2), later)]
    rows = list(csv.DictReader(io.StringIO(
        report(Format.CSV, errors, list(USERS.field_names)).decode())))
    assert (rows[1]["active"], rows[1]["id"]) == ("false", later["id"])
    assert (rows[0]["active"], rows[0]["id"]) == ("", "")
    header = list(rows[0])
    assert header[:3] == ["email", "name", "role"] and set(USERS.field_names) <= set(header)


def test_csv_report_of_a_csv_file_keeps_its_own_columns_only() -> None:
    # Every row of a CSV file has its header: a column the file did not have would be an empty
    # cell on re-import, which clears `tags` or `published_at` where the file said nothing.
    errors = [(RowError(2, "email", ErrorCode.INVALID_FORMAT, "Invalid", "x", 3), ROW_2)]
    text = b"".join(encode_error_report(iter(errors), Format.CSV, list(USERS.field_names),
                                        same_keys=True)).decode()
    assert next(csv.reader(io.StringIO(text))) == [*COLUMNS, *ERROR_COLUMNS]
