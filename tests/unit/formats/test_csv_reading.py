from __future__ import annotations

import io

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, open_rows
from bulkio.formats.csv import FIELD_SIZE_LIMIT

from .samples import bad, good, read


def test_header_and_values_are_kept_as_written_when_file_is_plain() -> None:
    reader = open_rows(io.BytesIO(b"Email,Full Name\nann@example.com,Ann Lee\n"), Format.CSV)
    assert reader.columns == ["Email", "Full Name"]
    assert list(reader) == [SourceRow(1, {"Email": "ann@example.com", "Full Name": "Ann Lee"}, 2)]


def test_quoted_fields_are_unquoted_when_they_hold_commas_and_doubled_quotes() -> None:
    rows = read(b'a,b\n"x, y","say ""hi"""\n', Format.CSV)
    assert rows == [SourceRow(1, {"a": "x, y", "b": 'say "hi"'}, 2)]


def test_line_numbers_count_embedded_newlines_when_fields_span_lines() -> None:
    data = b'a,b\r\n1,"two\r\nlines"\r\n2,"three\nmore\nlines"\n3,x\n'
    rows = read(data, Format.CSV)
    assert [(r.number, r.line) for r in rows] == [(1, 2), (2, 4), (3, 7)]
    assert rows[0].values["b"] == "two\r\nlines"


def test_crlf_and_bom_are_handled_when_file_comes_from_a_spreadsheet() -> None:
    rows = read(b"\xef\xbb\xbfemail,name\r\nann@example.com,Ann\r\n", Format.CSV)
    assert rows == [SourceRow(1, {"email": "ann@example.com", "name": "Ann"}, 2)]


def test_blank_lines_are_skipped_when_between_rows() -> None:
    rows = read(b"a,b\n\n1,2\n\r\n,\n3,4\n\n", Format.CSV)
    assert [(r.number, r.line, r.values["a"]) for r in good(rows)] == [(1, 3, "1"), (2, 6, "3")]


def test_missing_cells_are_empty_when_row_is_short() -> None:
    assert read(b"a,b,c\n1\n", Format.CSV) == [SourceRow(1, {"a": "1", "b": "", "c": ""}, 2)]


def test_row_is_malformed_when_it_has_more_values_than_the_header() -> None:
    rows = read(b"a,b,c,d\n1,2,3,4,5\n6,7,8,9\n", Format.CSV)
    assert rows[0] == MalformedRow(1, "row has 5 values but the header has 4 columns", "1,2,3,4,5", 2)
    assert rows[1] == SourceRow(2, {"a": "6", "b": "7", "c": "8", "d": "9"}, 3)


def test_trailing_empty_cells_are_accepted_when_beyond_the_header() -> None:
    assert read(b"a,b\n1,2,,\n", Format.CSV) == [SourceRow(1, {"a": "1", "b": "2"}, 2)]


def test_reading_stops_with_one_error_when_a_quote_is_never_closed() -> None:
    rows = read(b'a,b\n1,2\n3,"oops\n4,5\n6,7\n', Format.CSV)
    assert rows[0] == SourceRow(1, {"a": "1", "b": "2"}, 2)
    assert rows[1:] == [MalformedRow(2, "unterminated quoted field starting at line 3", line=3)]


def test_reading_stops_with_one_error_when_an_open_quote_outgrows_the_field_limit() -> None:
    filler = (b"x" * 1000 + b"\n") * (FIELD_SIZE_LIMIT // 1000 + 10)
    rows = read(b'a,b\n1,"never closed\n' + filler + b"2,3\n", Format.CSV)
    assert len(rows) == 1
    assert isinstance(rows[0], MalformedRow)
    assert rows[0].message.startswith("unterminated quoted field starting at line 2")


def test_row_is_malformed_and_reading_goes_on_when_one_line_holds_a_huge_value() -> None:
    rows = read(b"a,b\n1," + b"x" * (FIELD_SIZE_LIMIT + 1) + b"\n2,3\n", Format.CSV)
    assert isinstance(rows[0], MalformedRow)
    assert "longer than" in rows[0].message and rows[0].line == 2
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_row_is_malformed_and_reading_goes_on_when_text_follows_a_closing_quote() -> None:
    rows = read(b'a,b\n1,"x"y\n2,3\n', Format.CSV)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_row_is_malformed_when_it_is_not_valid_utf8() -> None:
    rows = read(b"a,b\n1,caf\xe9\n2,caf\xc3\xa9\n", Format.CSV)
    assert rows[0] == MalformedRow(1, "row is not valid UTF-8 text", "1,caf\ufffd", 2)
    assert rows[1] == SourceRow(2, {"a": "2", "b": "café"}, 3)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\n\n", "header"),
        (b"a,,b\n1,2,3\n", "column 2"),
        (b"email,name,Email\n", "twice"),
        (b"caf\xe9,b\n", "UTF-8"),
        (b'"a,b\n', "header"),
    ],
)
def test_source_unreadable_is_raised_when_header_is_unusable(data: bytes, reason: str) -> None:
    with pytest.raises(SourceUnreadable, match=reason):
        read(data, Format.CSV)


def test_trailing_unnamed_columns_are_dropped_when_header_ends_with_commas() -> None:
    reader = open_rows(io.BytesIO(b"a,b,,\n1,2,,\n"), Format.CSV)
    assert reader.columns == ["a", "b"]
    assert list(reader) == [SourceRow(1, {"a": "1", "b": "2"}, 2)]


def test_values_stay_text_when_they_look_like_numbers_or_booleans() -> None:
    assert good(read(b"n,b\n007,true\n", Format.CSV))[0].values == {"n": "007", "b": "true"}
    assert bad(read(b"n,b\n007,true\n", Format.CSV)) == []
