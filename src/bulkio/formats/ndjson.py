"""NDJSON rows: one JSON object per line, each parsed on its own with orjson.

A line is read only up to `ReadLimits.max_record` bytes (a longer one is skipped in pieces). A
long line that could hold more values than `max_values` is first checked on ijson's event stream,
which builds no containers, so it is refused before orjson would build it.

A number where text is expected is read as its text, so its text must survive parsing: orjson
reads every number with a fraction or an exponent as a double (`1.10` becomes `1.1`, a 23-digit
integer `1.2345678901234568e+22`) and refuses one beyond a double's range. A line holding such a
number is parsed again by the standard library's `json`, which hands over each number's text:
a number with a fraction or an exponent is kept as that text, an integer as itself (or as its
text past Python's 4,300-digit conversion limit), NaN and Infinity refused as orjson does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import ijson
import orjson

from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats.limits import ReadLimits
from bulkio.formats.shape import EventShape, shape_problem
from bulkio.formats.source import Row, RowReader, Source, preview

_backend = ijson.get_backend("yajl2_c")
# Lines up to this size cannot build much: orjson parses them without a look first.
_SMALL_LINE = 64 * 1024


def _skip_rest_of_line(source: Source, limit: int) -> None:
    while (piece := source.data.readline(limit)) and not piece.endswith(b"\n"):
        pass


def _events_problem(line: bytes, limits: ReadLimits) -> str | None:
    """Depth and values of a long line, from parser events (strings are at most one line)."""
    if line.count(b",") + line.count(b"[") + line.count(b"{") < limits.max_values:
        return None  # cannot hold more values than the limit: let orjson check the rest
    shape = EventShape(limits, level=0)
    events = ijson.sendable_list()
    parser = _backend.basic_parse_coro(events, use_float=True)
    try:
        for start in range(0, len(line), _SMALL_LINE):
            parser.send(line[start:start + _SMALL_LINE])
            if (problem := shape.feed(events)) is not None:
                return problem.replace("element 1 ", "the line ")
            events.clear()
    except (ijson.JSONError, UnicodeDecodeError):
        return None  # orjson names the syntax error
    return None


def _unreadable(number: int, line: bytes, line_number: int, err: Exception) -> MalformedRow:
    """The row error of a line orjson refuses; a line that is JSON once its bytes that are not
    UTF-8 read as U+FFFD keeps its values that way, so its error report can be fixed."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        try:
            value = orjson.loads(line.decode("utf-8", errors="replace"))
        except orjson.JSONDecodeError:
            value = None
        if type(value) is dict:
            return MalformedRow(number, "line is not valid UTF-8 text", preview(line), line_number,
                                value)
    return MalformedRow(number, f"line is not valid JSON: {err}", preview(line), line_number)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _integer(text: str) -> int | str:
    return int(text) if len(text) <= _INT_DIGITS else text


_exact = json.JSONDecoder(parse_float=str, parse_int=_integer,
                          parse_constant=_no_constants).decode
_INT_DIGITS = 4300  # Python's default limit of an int's decimal digits


def _with_numbers_as_written(line: bytes, value: dict[str, Any]) -> dict[str, Any]:
    """`value` (orjson's reading of `line`), parsed again when a number in it lost its text
    (a double, at the top or in a list at the top)."""
    for item in value.values():
        if type(item) is float or (type(item) is list and any(type(i) is float for i in item)):
            return _exact(line.decode("utf-8"))
    return value


def _walk_when(limits: ReadLimits) -> Callable[[bytes], bool]:
    """Whether a line may break a limit, with the limits read once for the per-line loop:
    False when the line is too short to hold a value, an object or a nesting over a limit (a
    character is at least one byte; a key or item needs a comma), so it need not be walked."""
    longest, depth, items = limits.max_value, limits.max_depth, min(limits.max_columns,
                                                                    limits.max_values) - 1

    def may_break(line: bytes) -> bool:
        count = line.count
        return (len(line) > longest or count(b"{") + count(b"[") > depth
                or count(b",") > items)

    return may_break


def _rows(source: Source, columns: list[str]) -> Iterator[Row]:
    readline, loads, decode_error = source.data.readline, orjson.loads, orjson.JSONDecodeError
    limits = source.limits
    limit, may_break = limits.max_record, _walk_when(limits)
    known = set(columns)
    number = line_number = 0
    while line := readline(limit + 1):
        line_number += 1
        if len(line) > limit:
            _skip_rest_of_line(source, limit)
            number += 1
            message = f"line is longer than the limit of {limit:,} bytes (BULKIO_MAX_RECORD_BYTES)"
            yield MalformedRow(number, message, preview(line), line_number)
            continue
        if line.isspace():
            continue
        number += 1
        if len(line) > _SMALL_LINE and (problem := _events_problem(line, limits)) is not None:
            yield MalformedRow(number, problem, preview(line), line_number)
            continue
        try:
            value = loads(line)
        except decode_error as err:
            try:  # a number beyond a double's range, which the standard library reads
                value = _exact(line.decode("utf-8"))
            except (ValueError, RecursionError):
                yield _unreadable(number, line, line_number, err)
                continue
        if type(value) is not dict:
            yield MalformedRow(number, "line is not a JSON object", preview(line), line_number)
            continue
        value = _with_numbers_as_written(line, value)
        if may_break(line) and (shape := shape_problem(value, limits)) is not None:
            yield MalformedRow(number, shape[0], preview(shape[1] or line), line_number)
            continue
        if not known.issuperset(value):
            fresh = [key for key in value if key not in known]
            columns.extend(fresh)
            known.update(fresh)
        yield SourceRow(number, value, line_number)


def read_ndjson(source: Source) -> RowReader:
    """Rows of an NDJSON file; `columns` grows with every key seen so far."""
    columns: list[str] = []
    return RowReader(_rows(source, columns), source, columns)

