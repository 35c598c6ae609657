"""One set of limits for every format: depth, value length, record length, columns, values per
row and gzip expansion, each checked before the piece it guards is built."""

from __future__ import annotations

import gzip
import io

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, encode, precheck
from bulkio.formats.limits import ReadLimits

from .samples import SMALL, bad, good, read


def _deep(levels: int) -> bytes:
    return b'{"a": ' + b"[" * levels + b"]" * levels + b"}"


def _checked(data: bytes, fmt: Format, limits: ReadLimits = SMALL) -> list:
    precheck(lambda: io.BytesIO(data), fmt, limits)
    return read(data, fmt, limits)


@pytest.mark.parametrize("fmt", [Format.CSV, Format.NDJSON, Format.JSON])
def test_row_error_shows_a_preview_when_a_value_is_over_the_limit(fmt: Format) -> None:
    rows = [{"a": "x" * 5000 + "tail", "b": "1"}, {"a": "ok", "b": "2"}]
    data = b"".join(encode(rows, fmt, ["a", "b"]))
    found = _checked(data, fmt)
    assert [r.values for r in good(found)] == [{"a": "ok", "b": "2"}]
    [error] = bad(found)
    assert "longer than the limit of 1,000 characters" in error.message
    assert error.raw is not None and error.raw.startswith("x" * 100) and len(error.raw) <= 201
    assert "tail" not in error.raw


@pytest.mark.parametrize("fmt", [Format.NDJSON, Format.JSON])
def test_row_error_names_the_depth_when_values_nest_too_deep(fmt: Format) -> None:
    row, deep = b'{"a": [1, [2]]}', _deep(6)
    data = row + b"\n" + deep + b"\n" + row + b"\n" if fmt is Format.NDJSON else b"[" + row + b"," + row + b"]"
    assert len(good(_checked(data, fmt))) == 2
    if fmt is Format.NDJSON:
        assert "deeper than the limit of 5 levels" in bad(read(data, fmt, SMALL))[0].message


def test_json_array_is_refused_before_reading_when_an_element_nests_too_deep() -> None:
    data = b'[{"a": 1}, ' + _deep(20_000) + b"]"
    with pytest.raises(SourceUnreadable, match="element 2 nests deeper than the limit of 5"):
        precheck(lambda: io.BytesIO(data), Format.JSON, SMALL)


def test_json_array_is_refused_before_reading_when_an_element_holds_too_many_values() -> None:
    data = b'[{"a": 1}, {"a": 2}, {"a": [' + b",".join([b"0"] * 500) + b"]}]"
    with pytest.raises(SourceUnreadable, match="element 3 holds more than the limit of 200"):
        precheck(lambda: io.BytesIO(data), Format.JSON, SMALL)


def test_ndjson_line_is_refused_unbuilt_when_it_holds_too_many_values() -> None:
    wide = b'{"a": [' + b",".join([b"{}"] * 30_000) + b"]}"
    rows = read(wide + b'\n{"a": 1}\n', Format.NDJSON, ReadLimits(max_values=200))
    assert "more than the limit of 200 values" in bad(rows)[0].message
    assert good(rows) == [SourceRow(2, {"a": 1}, 2)]


@pytest.mark.parametrize("fmt", [Format.NDJSON, Format.JSON])
def test_row_error_names_the_keys_when_an_object_has_too_many(fmt: Format) -> None:
    row = {f"k{i}": i for i in range(21)}
    data = b"".join(encode([row], fmt, list(row))) + b"".join(encode([{"k0": 1}], fmt, ["k0"]))
    if fmt is Format.JSON:
        data = data.replace(b"\n]\n[\n", b",\n")
    found = _checked(data, fmt)
    assert "21 keys, more than the limit of 20" in bad(found)[0].message
    assert len(good(found)) == 1


@pytest.mark.parametrize("fmt", [Format.NDJSON, Format.JSON])
def test_a_long_string_is_cut_unbuilt_when_escapes_fill_it(fmt: Format) -> None:
    tricky = '\\"\\\\é' * 2000  # escaped quotes and backslashes, multi-byte characters
    data = b"".join(encode([{"a": tricky}, {"a": "ok"}], fmt, ["a"]))
    found = _checked(data, fmt)
    assert [r.values for r in good(found)] == [{"a": "ok"}]
    assert "longer than the limit" in bad(found)[0].message


def test_json_array_is_refused_when_a_number_is_longer_than_a_value_may_be() -> None:
    data = b'[{"a": 1.' + b"1" * 7000 + b"}]"
    with pytest.raises(SourceUnreadable, match="a number or word longer than 6,000 bytes"):
        precheck(lambda: io.BytesIO(data), Format.JSON, SMALL)


@pytest.mark.parametrize("fmt", [Format.CSV, Format.NDJSON, Format.JSON])
def test_values_at_the_limit_are_read_whole_in_every_format(fmt: Format) -> None:
    value = '"\\\x01é' * 250  # 1,000 characters that every writer escapes
    data = b"".join(encode([{"a": value}], fmt, ["a"]))
    assert [r.values for r in _checked(data, fmt)] == [{"a": value}]


@pytest.mark.parametrize("fmt", [Format.CSV, Format.NDJSON, Format.JSON])
def test_source_unreadable_is_raised_when_gzip_expands_too_far(fmt: Format) -> None:
    row = b"a\n1\n" if fmt is Format.CSV else b'{"a": 1}\n' if fmt is Format.NDJSON else b'[{"a": 1}'
    bomb = gzip.compress(row + b" " * 5_000_000 + (b"]" if fmt is Format.JSON else b""))
    with pytest.raises(SourceUnreadable, match="decompression bomb"):
        _checked(bomb, fmt)


def test_source_unreadable_is_raised_when_gzip_expands_past_the_size_limit() -> None:
    limits = ReadLimits(max_decompressed=200_000)
    data = gzip.compress(b"a\n" + b"".join(b"%d\n" % i for i in range(100_000)))
    with pytest.raises(SourceUnreadable, match="more than 200,000 bytes"):
        read(data, Format.CSV, limits)


def test_limits_refuse_a_record_that_could_not_hold_an_exported_value() -> None:
    with pytest.raises(ValueError, match="8 times"):
        ReadLimits(max_value=1000, max_record=7999)


def test_an_element_of_the_array_is_not_a_row_error_when_within_every_limit() -> None:
    rows = read(b'[{"a": [[[1]]]}]', Format.JSON, SMALL)
    assert rows == [SourceRow(1, {"a": [[[1]]]})]
    assert not any(isinstance(r, MalformedRow) for r in rows)
