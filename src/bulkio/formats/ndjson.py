"""NDJSON rows: one JSON object per line, each parsed on its own with orjson."""

from __future__ import annotations

from collections.abc import Iterator

import orjson

from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats.source import Row, RowReader, Source, preview

# A line longer than this is skipped in pieces instead of being held whole in memory.
MAX_LINE = 16 * 1024 * 1024


def _skip_rest_of_line(source: Source) -> None:
    while (piece := source.data.readline(MAX_LINE)) and not piece.endswith(b"\n"):
        pass


def _rows(source: Source, columns: list[str]) -> Iterator[Row]:
    readline, loads, decode_error = source.data.readline, orjson.loads, orjson.JSONDecodeError
    known = set(columns)
    number = line_number = 0
    while line := readline(MAX_LINE):
        line_number += 1
        if len(line) == MAX_LINE and not line.endswith(b"\n"):
            _skip_rest_of_line(source)
            number += 1
            message = f"line is longer than {MAX_LINE:,} bytes"
            yield MalformedRow(number, message, preview(line), line_number)
            continue
        if line.isspace():
            continue
        number += 1
        try:
            value = loads(line)
        except decode_error as err:
            yield MalformedRow(number, f"line is not valid JSON: {err}", preview(line), line_number)
            continue
        if type(value) is not dict:
            yield MalformedRow(number, "line is not a JSON object", preview(line), line_number)
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
