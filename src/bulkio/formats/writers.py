"""Records out as a stream of byte chunks (about 64 KiB each) in any supported format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bulkio.formats.format import Format
from bulkio.formats.source import CHUNK
from bulkio.formats.values import csv_cell, dump_json


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """A header line, then one line per row (RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8", errors="replace")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8", errors="replace")


def json_chunks(objects: Iterable[Mapping[str, Any]], fmt: Format) -> Iterator[bytes]:
    """Objects as NDJSON lines, or as one JSON array with an object per line."""
    lines = fmt is Format.NDJSON
    parts: list[bytes] = []
    size = 0
    first = True
    for obj in objects:
        text = dump_json(obj)
        if lines:
            parts += (text, b"\n")
        else:
            parts += (b"[\n" if first else b",\n", text)
        first = False
        size += len(text) + 2
        if size >= CHUNK:
            yield b"".join(parts)
            parts.clear()
            size = 0
    if not lines:
        parts.append(b"[]\n" if first else b"\n]\n")
    if parts:
        yield b"".join(parts)


def encode(records: Iterable[Mapping[str, Any]], fmt: Format, columns: Sequence[str]) -> Iterator[bytes]:
    """Records as chunks of a file in `fmt`, with exactly `columns`, in that order."""
    fmt = Format(fmt)
    if fmt is Format.CSV:
        return csv_chunks(columns, ([record.get(c) for c in columns] for record in records))
    return json_chunks(({c: record.get(c) for c in columns} for record in records), fmt)
