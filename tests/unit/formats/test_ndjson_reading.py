from __future__ import annotations

import io

from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, open_rows

from .samples import SMALL, read


def test_each_line_is_one_row_when_lines_are_objects() -> None:
    rows = read(b'{"email": "a@x.io", "active": true}\n{"email": "b@x.io", "tags": ["t"]}\n', Format.NDJSON)
    assert rows == [
        SourceRow(1, {"email": "a@x.io", "active": True}, 1),
        SourceRow(2, {"email": "b@x.io", "tags": ["t"]}, 2),
    ]


def test_blank_lines_are_skipped_but_counted_when_numbering_lines() -> None:
    rows = read(b'\n{"a": 1}\r\n\r\n   \n{"a": 2}\r\n', Format.NDJSON)
    assert [(r.number, r.line) for r in rows] == [(1, 2), (2, 5)]


def test_last_line_is_read_when_it_has_no_newline() -> None:
    assert read(b'{"a": 1}\n{"a": 2}', Format.NDJSON)[-1] == SourceRow(2, {"a": 2}, 2)


def test_row_is_malformed_when_line_is_not_valid_json() -> None:
    rows = read(b'{"a": 1}\n{"a": \n{"a": 3}\n', Format.NDJSON)
    assert isinstance(rows[1], MalformedRow)
    assert rows[1].message.startswith("line is not valid JSON: ")
    assert (rows[1].number, rows[1].line, rows[1].raw) == (2, 2, '{"a": \n')
    assert rows[2] == SourceRow(3, {"a": 3}, 3)


def test_row_is_malformed_when_line_is_not_an_object() -> None:
    rows = read(b'[1, 2]\n"text"\n42\n', Format.NDJSON)
    assert [(r.number, r.message) for r in rows] == [(n, "line is not a JSON object") for n in (1, 2, 3)]


def test_row_is_malformed_when_line_is_not_valid_utf8() -> None:
    rows = read(b'{"a": "caf\xe9"}\n{"a": "ok"}\n', Format.NDJSON)
    assert isinstance(rows[0], MalformedRow) and rows[0].raw == '{"a": "caf\ufffd"}\n'
    assert rows[1] == SourceRow(2, {"a": "ok"}, 2)


def test_a_lone_surrogate_escape_is_read_as_written_for_the_row_to_be_refused() -> None:
    # Valid JSON, but no text: validation refuses it as `invalid_character` (`storable`).
    rows = read(b'{"a": "\\ud800"}\n', Format.NDJSON)
    assert rows == [SourceRow(1, {"a": "\ud800"}, 1)]


def test_numbers_keep_the_text_they_were_written_with() -> None:
    # orjson reads each of these as a double, or refuses it: a number where text is expected
    # is read as its text, so the line is read again by the standard library.
    line = (b'{"a": 1.10, "b": 12345678901234567890123, "c": 1e5, "d": 1e400, '
            b'"e": 0.1000000000000000055511151231257827, "f": [2.50, "x"], "g": 7}\n')
    assert read(line, Format.NDJSON)[0].values == {
        "a": "1.10", "b": 12345678901234567890123, "c": "1e5", "d": "1e400",
        "e": "0.1000000000000000055511151231257827", "f": ["2.50", "x"], "g": 7}
    assert isinstance(read(b'{"a": NaN}\n', Format.NDJSON)[0], MalformedRow)


def test_row_is_malformed_and_skipped_when_line_is_too_long() -> None:
    data = b'{"a": "' + b"x" * SMALL.max_record + b'"}\n{"a": 2}\n'
    rows = read(data, Format.NDJSON, SMALL)
    assert isinstance(rows[0], MalformedRow) and "longer than the limit of 8,000" in rows[0].message
    assert len(rows[0].raw or "") <= 201
    assert rows[1] == SourceRow(2, {"a": 2}, 2)


def test_columns_gather_every_key_when_rows_differ() -> None:
    reader = open_rows(io.BytesIO(b'{"a": 1, "b": 2}\n{"c": 3, "a": 4}\n'), Format.NDJSON)
    assert reader.columns == []
    list(reader)
    assert reader.columns == ["a", "b", "c"]


def test_bom_is_ignored_when_file_starts_with_one() -> None:
    assert read(b'\xef\xbb\xbf{"a": 1}\n', Format.NDJSON) == [SourceRow(1, {"a": 1}, 1)]


def test_row_is_malformed_but_keeps_its_values_when_a_line_is_not_utf8() -> None:
    rows = read(b'{"email": "rene@example.com", "name": "Ren\xe9"}\n{"a": 2}\n', Format.NDJSON)
    assert isinstance(rows[0], MalformedRow) and rows[0].message == "line is not valid UTF-8 text"
    assert rows[0].values == {"email": "rene@example.com", "name": "Ren\ufffd"}
    assert rows[1] == SourceRow(2, {"a": 2}, 2)
