from __future__ import annotations

import io

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, encode, open_rows

from .samples import SMALL, bad, good, read


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


def test_reading_goes_on_at_the_next_line_when_a_quote_is_never_closed() -> None:
    rows = read(b'a,b\n1,2\n3,"oops\n4,5\n6,7\n', Format.CSV)
    assert rows[0] == SourceRow(1, {"a": "1", "b": "2"}, 2)
    assert rows[1] == MalformedRow(
        2, "unterminated quoted field starting at line 3; reading goes on at line 4", '3,"oops\n', 3)
    assert rows[2:] == [SourceRow(3, {"a": "4", "b": "5"}, 4), SourceRow(4, {"a": "6", "b": "7"}, 5)]


def test_every_valid_row_after_a_bad_quote_is_read_when_the_file_is_long() -> None:
    before = b"".join(b"%d,x\n" % i for i in range(500))
    after = b"".join(b"%d,y\n" % i for i in range(20_000))
    rows = read(b"a,b\n" + before + b'bad,"never closed\n' + after, Format.CSV)
    assert len(good(rows)) == 20_500
    assert [(r.line, r.message.split(";")[0]) for r in bad(rows)] == [
        (502, "unterminated quoted field starting at line 502")]
    assert good(rows)[-1] == SourceRow(20_501, {"a": "19999", "b": "y"}, 20_502)


def test_reading_goes_on_at_the_next_line_when_an_open_quote_outgrows_the_record_limit() -> None:
    filler = b"".join(b"%d,%s\n" % (i, b"x" * 90) for i in range(200))
    rows = read(b'a,b\n1,"never closed\n' + filler + b'2,"3"\n', Format.CSV, SMALL)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert "longer than the limit of 8,000 characters" in rows[0].message
    assert "reading goes on at line 3" in rows[0].message
    assert len(good(rows)) == 201 and good(rows)[-1].values == {"a": "2", "b": "3"}


def test_reading_goes_on_after_the_closing_quote_when_text_follows_it_lines_later() -> None:
    rows = read(b'a,b\n1,"open\n2,3\n4,"x"y\n5,6\n', Format.CSV)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert bad(rows)[1].line == 4  # the replayed line with the stray quote is its own error
    assert [r.values for r in good(rows)] == [{"a": "2", "b": "3"}, {"a": "5", "b": "6"}]


def test_row_is_malformed_with_a_preview_when_one_value_is_over_the_value_limit() -> None:
    rows = read(b"a,b\n1," + b"x" * 1001 + b"\n2,3\n", Format.CSV, SMALL)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert "longer than the limit of 1,000 characters" in rows[0].message
    assert rows[0].raw == "x" * 200 + "…"
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_row_is_malformed_and_reading_goes_on_when_one_line_is_over_the_record_limit() -> None:
    rows = read(b"a,b\n1," + b"x" * 9000 + b"\n2,3\n", Format.CSV, SMALL)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert "line 2 is longer than the limit of 8,000" in rows[0].message
    assert len(rows[0].raw or "") <= 201
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_row_is_malformed_before_it_is_split_when_it_has_too_many_values() -> None:
    rows = read(b"a,b\n" + b"," * 5000 + b"1\n2,3\n", Format.CSV, SMALL)
    assert isinstance(rows[0], MalformedRow) and "limit of 20 values" in rows[0].message
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_source_unreadable_is_raised_when_the_header_has_too_many_columns() -> None:
    header = ",".join(f"c{i}" for i in range(21)).encode()
    with pytest.raises(SourceUnreadable, match="limit of 20"):
        read(header + b"\n", Format.CSV, SMALL)


def test_a_value_exported_at_the_value_limit_is_read_back_whole() -> None:
    value = '"' * 1000  # every quote doubled by the writer: the record is twice the value
    data = b"".join(encode([{"a": value, "b": "x"}], Format.CSV, ["a", "b"]))
    assert read(data, Format.CSV, SMALL) == [SourceRow(1, {"a": value, "b": "x"}, 2)]


def test_row_is_malformed_and_reading_goes_on_when_text_follows_a_closing_quote() -> None:
    rows = read(b'a,b\n1,"x"y\n2,3\n', Format.CSV)
    assert isinstance(rows[0], MalformedRow) and rows[0].line == 2
    assert rows[1] == SourceRow(2, {"a": "2", "b": "3"}, 3)


def test_row_is_malformed_but_keeps_its_cells_when_it_is_not_valid_utf8() -> None:
    rows = read(b"a,b,c\n1,caf\xe9\n2,caf\xc3\xa9,x\n", Format.CSV)
    assert rows[0] == MalformedRow(1, "row is not valid UTF-8 text", "1,caf\ufffd", 2,
                                   {"a": "1", "b": "caf\ufffd", "c": ""})
    assert rows[1] == SourceRow(2, {"a": "2", "b": "café", "c": "x"}, 3)


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
