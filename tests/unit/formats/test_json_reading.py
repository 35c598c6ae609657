from __future__ import annotations

import gzip
import io

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, open_rows, precheck

from .samples import read


def check(data: bytes) -> None:
    precheck(lambda: io.BytesIO(data), Format.JSON)


def test_each_element_is_one_row_when_root_is_an_array_of_objects() -> None:
    rows = read(b'\xef\xbb\xbf [{"n": 1.5, "ok": true, "tags": ["a"]},\n {"n": 2, "x": null}]', Format.JSON)
    # A number with a fraction is the text of its exact value (read as text where text is due).
    assert rows == [SourceRow(1, {"n": "1.5", "ok": True, "tags": ["a"]}), SourceRow(2, {"n": 2, "x": None})]


def test_numbers_are_read_exactly_and_past_64_bits() -> None:
    rows = read(b'[{"a": 1.10, "b": 12345678901234567890123, "c": 1e5, "d": [2.50, "x"], '
                b'"e": 9223372036854775808, "f": 0.1000000000000000055511151231257827}]',
                Format.JSON)
    assert rows[0].values == {"a": "1.10", "b": 12345678901234567890123, "c": "1E+5",
                              "d": ["2.50", "x"], "e": 9223372036854775808,
                              "f": "0.1000000000000000055511151231257827"}


def test_an_integer_past_4300_digits_makes_the_array_unreadable_with_a_clear_reason() -> None:
    with pytest.raises(SourceUnreadable, match="an integer longer than 4,300 digits"):
        check(b'[{"a": ' + b"9" * 5000 + b"}]")


def test_no_rows_are_read_when_array_is_empty() -> None:
    assert read(b" [ ] ", Format.JSON) == []


def test_row_is_malformed_when_element_is_not_an_object() -> None:
    rows = read(b'[{"a": 1}, "text", [1], 3, null, {"a": 2}]', Format.JSON)
    assert rows[1] == MalformedRow(2, "element 2 is not a JSON object (found a string)", '"text"')
    assert [type(r).__name__ for r in rows] == ["SourceRow"] + ["MalformedRow"] * 4 + ["SourceRow"]
    assert rows[5] == SourceRow(6, {"a": 2})


@pytest.mark.parametrize(
    ("data", "found"),
    [(b'{"a": 1}', "an object"), (b'"text"', "a string"), (b"-12", "a number"), (b"true", "a boolean"),
     (b"null", "null")],
)
def test_source_unreadable_is_raised_when_root_is_not_an_array(data: bytes, found: str) -> None:
    with pytest.raises(SourceUnreadable, match=f"must be an array of objects; found {found}"):
        open_rows(io.BytesIO(data), Format.JSON)


def test_source_unreadable_is_raised_when_syntax_breaks_mid_array() -> None:
    rows = open_rows(io.BytesIO(b'[{"a": 1}, {"a": 2,}]'), Format.JSON)
    with pytest.raises(SourceUnreadable, match="invalid JSON"):
        list(rows)


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b'[{"a": 1}, {"b": tru }]', 20),
        (b'[{"a": 1}, {"b": true }', 23),
        (b'[{"a": 1} {"a": 2}]', 10),
        (b'[{"a": "caf\xe9"}]', None),
        (b"[\f]", 1),
        (b'[{"a": "x"}] trailing', 15),  # noticed at the "a" of "tra"
    ],
)
def test_precheck_reports_the_byte_when_json_is_invalid(data: bytes, offset: int | None) -> None:
    with pytest.raises(SourceUnreadable, match="invalid JSON at byte") as caught:
        check(data)
    if offset is not None:
        assert f"at byte {offset}:" in str(caught.value)


def test_precheck_finds_the_byte_when_the_error_is_far_into_a_large_file() -> None:
    body = b",".join([b'{"email": "someone@example.com"}'] * 10_000)
    data = b"[" + body + b',{"email" "x"}]'
    # The parser notices once the string after the missing colon is complete (its closing quote).
    with pytest.raises(SourceUnreadable, match=f"at byte {len(body) + 13}:.*colon"):
        check(data)


def test_precheck_passes_when_json_is_valid_even_if_not_an_array() -> None:
    check(b'[{"a": [1, {"b": null}]}, 2]')
    check(b'{"a": 1}')


def test_source_unreadable_is_raised_when_precheck_gets_an_empty_file() -> None:
    with pytest.raises(SourceUnreadable, match="empty"):
        check(b"")


def test_precheck_does_nothing_when_format_is_not_json() -> None:
    precheck(lambda: io.BytesIO(b"not, json\n"), Format.CSV)
    precheck(lambda: io.BytesIO(b"{broken\n"), Format.NDJSON)


def test_source_unreadable_is_raised_when_text_is_not_utf8() -> None:
    with pytest.raises(SourceUnreadable):
        read(b'[{"a": "caf\xe9"}]', Format.JSON)


def test_precheck_looks_through_gzip_when_input_is_compressed() -> None:
    check(gzip.compress(b'[{"a": 1}]'))
    with pytest.raises(SourceUnreadable, match="invalid JSON at byte 9"):
        check(gzip.compress(b'[{"a": 1}'))


def test_precheck_finds_the_byte_after_a_long_number_with_a_bounded_number_of_sends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An integer too large for the parser, 100,000 digits long: the parser lexes an incomplete
    # token again on every send, so searching for the byte one send at a time cost 100,000
    # sends of up to 100 KB each (minutes of CPU for a 100 KB file).
    import bulkio.formats.json as json_format

    sends: list[int] = []
    real = json_format._backend

    class Counted:
        def __init__(self, parser) -> None:
            self._parser = parser

        def send(self, data: bytes) -> None:
            sends.append(len(data))
            self._parser.send(data)

        def close(self) -> None:
            self._parser.close()

    class Backend:
        def __getattr__(self, name: str):
            return getattr(real, name)

        def basic_parse_coro(self, *args, **kwargs):
            return Counted(real.basic_parse_coro(*args, **kwargs))

    monkeypatch.setattr(json_format, "_backend", Backend())
    data = b'[{"email": "z@x.com", "role": "admin", "name": ' + b"9" * 100_000 + b"}]"
    with pytest.raises(SourceUnreadable, match="invalid JSON at byte") as caught:
        check(data)
    assert len(sends) < 1_000  # at most a chunk in 256-byte pieces, then 256 single bytes
    end = data.index(b"}]")
    assert any(f"at byte {at}:" in str(caught.value) for at in (end - 1, end)), caught.value


@pytest.mark.parametrize("pad", range(65_520, 65_545, 3))
@pytest.mark.parametrize(("escapes", "value"), [
    (b"\\ud83d\\ude00", "\U0001F600"),  # a pair: one character
    (b"\\ud800z", "\x00z"),  # a lone high half
    (b"z\\udc00", "z\x00"),  # a lone low half
    (b"\\\\ud800", "\\ud800"),  # an escaped backslash, then text
])
def test_a_lone_surrogate_escape_reaches_validation_as_nul_wherever_it_falls(
        pad: int, escapes: bytes, value: str) -> None:
    # yajl turns an escaped lone half of a surrogate pair into "?" (or calls the text not
    # UTF-8); as NUL, validation refuses the row as `invalid_character`. Near the reader's
    # 64 KiB reads, the escape or its pair falls across two reads.
    data = b'[{"pad": "' + b"x" * pad + b'", "name": "' + escapes + b'"}]'
    check(data)
    (row,) = read(data, Format.JSON)
    assert row.values["name"] == value
