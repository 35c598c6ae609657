"""CSV delimiters: the caller's option, Excel's `sep=` line, detection from the header, and what
each does to row and line numbers."""

from __future__ import annotations

import gzip
import io

import pytest

from bulkio.domain.errors import InvalidRequest, SourceUnreadable
from bulkio.domain.rows import SourceRow
from bulkio.formats import Format, detect_format, open_rows
from bulkio.formats.delimiter import delimiter_option, detect_delimiter, sep_line
from tests.unit.formats.samples import bad, good

USERS = [{"email": "ann@example.com", "name": "Ann Lee", "role": "admin"},
         {"email": "bob@example.com", "name": "Bob, Jr", "role": "reader"}]


def _file(delimiter: str, sep: str | None = None) -> bytes:
    lines = [delimiter.join(USERS[0])]
    lines += [delimiter.join(f'"{v}"' if "," in v else v for v in user.values()) for user in USERS]
    return ((f"sep={sep}\n" if sep else "") + "\n".join(lines) + "\n").encode()


def _read(data: bytes, delimiter: str | None = None) -> list:
    return list(open_rows(io.BytesIO(data), Format.CSV, delimiter=delimiter))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found_in_the_header_when_none_is_given(delimiter: str) -> None:
    rows = _read(_file(delimiter))
    assert [row.values for row in good(rows)] == USERS
    assert open_rows(io.BytesIO(_file(delimiter)), Format.CSV).delimiter == delimiter


@pytest.mark.parametrize(("header", "expected"), [
    ("email;name;role", ";"),
    ('"a,b";"c,d";e', ";"),  # commas inside quotes do not count
    ('"say ""a,b""";x', ";"),  # nor inside doubled quotes
    ("a,b;c", ","),  # a tie goes to the first of , ; tab |
    ("a|b|c,d", "|"),
    ("email", ","),  # nothing found: one column
    ("", ","),
])
def test_the_most_frequent_delimiter_outside_quotes_wins_when_detecting(
    header: str, expected: str,
) -> None:
    assert detect_delimiter(header) == expected


@pytest.mark.parametrize("sep", [";", "\t", "|", ":"])
def test_an_excel_sep_line_names_the_delimiter_and_is_skipped_when_first(sep: str) -> None:
    rows = _read(_file(sep, sep=sep))
    assert [row.values for row in good(rows)] == USERS
    assert [(row.number, row.line) for row in good(rows)] == [(1, 3), (2, 4)]


def test_line_numbers_count_the_sep_line_when_a_row_is_broken() -> None:
    data = b'sep=;\r\nemail;name;role\r\nann@example.com;"Ann;admin\r\nbob@example.com;Bob;reader\r\n'
    rows = _read(data)
    (broken,) = bad(rows)
    assert (broken.number, broken.line) == (1, 3)
    assert [(r.number, r.line, r.values["email"]) for r in good(rows)] == [
        (2, 4, "bob@example.com")]


def test_the_given_delimiter_wins_over_the_sep_line_and_the_header_when_both_disagree() -> None:
    data = b"sep=;\nemail|name;role\nann@example.com|Ann;Lee\n"
    (row,) = _read(data, delimiter="|")
    assert isinstance(row, SourceRow)
    assert row.values == {"email": "ann@example.com", "name;role": "Ann;Lee"}
    assert row.line == 3


def test_the_sep_line_wins_over_the_header_when_no_delimiter_is_given() -> None:
    data = b"sep=|\nemail,name|role\nann@example.com,Ann|admin\n"
    (row,) = _read(data)
    assert isinstance(row, SourceRow) and row.values == {"email,name": "ann@example.com,Ann",
                                                         "role": "admin"}


def test_a_sep_line_is_honoured_after_a_byte_order_mark_and_in_gzip_when_present() -> None:
    data = gzip.compress(b"\xef\xbb\xbf" + _file(";", sep=";"))
    assert [row.values for row in good(_read(data))] == USERS


@pytest.mark.parametrize("line", ['sep="', 'SEP="'])
def test_the_file_is_unreadable_when_its_sep_line_names_an_impossible_delimiter(line: str) -> None:
    with pytest.raises(SourceUnreadable, match="names a delimiter"):
        _read(f"{line}\nemail,name,role\n".encode())


@pytest.mark.parametrize(("line", "expected"), [
    ("sep=;\n", ";"), ("sep=\t\r\n", "\t"), ("Sep=|", "|"), ("sep=;;\n", None),
    ("sep=\n", None), ("email,sep=;\n", None),
])
def test_only_a_line_of_sep_and_one_character_is_a_sep_line_when_read(
    line: str, expected: str | None,
) -> None:
    assert sep_line(line) == expected


def test_a_malformed_row_shows_its_cells_joined_by_the_file_delimiter_when_too_wide() -> None:
    rows = _read(b"email;name\nann@example.com;Ann;extra\n")
    (broken,) = bad(rows)
    assert broken.raw == "ann@example.com;Ann;extra"


@pytest.mark.parametrize("raw", [";", "\t", "|", ":", " "])
def test_one_character_is_a_delimiter_when_given(raw: str) -> None:
    assert delimiter_option(raw) == raw


def test_no_delimiter_means_detect_when_nothing_or_empty_is_given() -> None:
    assert delimiter_option(None) is None and delimiter_option("") is None


@pytest.mark.parametrize("raw", ['"', "\r", "\n", ";;", "tab", 5])
def test_a_delimiter_is_refused_naming_the_field_and_value_when_it_cannot_be_one(raw) -> None:
    with pytest.raises(InvalidRequest) as caught:
        delimiter_option(raw)
    assert caught.value.field == "delimiter" and repr(raw) in str(caught.value)


@pytest.mark.parametrize("head", [b"email;name;role\n", b"sep=;\nemail;name\n",
                                  b"email\tname\n", b"email|name\n"])
def test_a_file_without_a_telling_name_is_csv_when_its_first_line_has_a_delimiter(
    head: bytes,
) -> None:
    assert detect_format(None, None, head) is Format.CSV


def test_only_the_header_decides_when_the_rows_hold_more_of_another_delimiter() -> None:
    (row,) = _read(b"email;name;role\nann@example.com;Lee, Ann, Dr, PhD;admin\n")
    assert isinstance(row, SourceRow) and row.values["name"] == "Lee, Ann, Dr, PhD"


def test_a_pipe_file_keeps_pipes_in_quoted_tags_when_read() -> None:
    (row,) = _read(b'slug|title|tags\nhello|Hello|"news|tech"\n')
    assert isinstance(row, SourceRow) and row.values["tags"] == "news|tech"
