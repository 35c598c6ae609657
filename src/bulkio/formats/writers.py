"""Records out as a stream of byte chunks (about 64 KiB each) in any supported format.

Each chunk comes with the number of records it holds, so an export job can count its progress
without looking inside the bytes (a CSV value may hold line breaks). CSV text that would run as
a spreadsheet formula is neutralized unless `keep_formulas` (`formats.values.neutralized`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bulkio.formats.format import Format
from bulkio.formats.source import CHUNK
from bulkio.formats.values import csv_cell, dump_json, guarded_cell

Chunks = Iterator[tuple[bytes, int]]
"""Encoded export chunks, each with how many records it holds (a CSV header holds none)."""


def csv_header(columns: Sequence[str], keep_formulas: bool = False) -> bytes:
    """The header line of a CSV export (RFC 4180 quoting, CRLF line end)."""
    buffer = io.StringIO()
    cell = csv_cell if keep_formulas else guarded_cell
    csv.writer(buffer).writerow([cell(c) for c in columns])
    return buffer.getvalue().encode("utf-8", errors="replace")


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]],
               keep_formulas: bool = False) -> Chunks:
    """A header line, then one line per row (RFC 4180 quoting, CRLF line ends); text cells,
    header names among them, neutralized unless `keep_formulas`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cell = csv_cell if keep_formulas else guarded_cell
    writer.writerow([cell(c) for c in header])
    count = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        count += 1
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8", errors="replace"), count
            buffer.seek(0)
            buffer.truncate()
            count = 0
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8", errors="replace"), count


def gathered(pieces: Iterable[tuple[Any, Any]], head: bytes = b"", json_array: bool = False) -> Chunks:
    """Each record's two byte pieces, after `head`, joined into chunks of about 64 KiB. A JSON
    array is closed after the last record (`[]` when there is none)."""
    parts: list[Any] = [head] if head else []
    size = count = total = 0
    for first, second in pieces:
        parts += (first, second)
        size += len(first) + len(second)
        count += 1
        if size >= CHUNK:
            yield b"".join(parts), count
            total += count
            parts.clear()
            size = count = 0
    if json_array:
        parts.append(b"[]\n" if total + count == 0 else b"\n]\n")
    if parts:
        yield b"".join(parts), count


def array_pieces(texts: Iterable[Any]) -> Iterator[tuple[bytes, Any]]:
    """JSON texts as the elements of an array, one per line: `[` before the first, `,` between."""
    separator = b"[\n"
    for text in texts:
        yield separator, text
        separator = b",\n"


def json_chunks(objects: Iterable[Mapping[str, Any]], fmt: Format) -> Chunks:
    """Objects as NDJSON lines, or as one JSON array with an object per line."""
    texts = (dump_json(obj) for obj in objects)
    if fmt is Format.NDJSON:
        return gathered((text, b"\n") for text in texts)
    return gathered(array_pieces(texts), json_array=True)


def encode_counted(records: Iterable[Mapping[str, Any]], fmt: Format,
                   columns: Sequence[str], keep_formulas: bool = False) -> Chunks:
    """Records as chunks of a file in `fmt`, with exactly `columns`, in that order, each chunk
    with the number of records in it. CSV text cells are neutralized unless `keep_formulas`;
    NDJSON and JSON are always exact."""
    fmt = Format(fmt)
    if fmt is Format.CSV:
        return csv_chunks(columns, ([record.get(c) for c in columns] for record in records),
                          keep_formulas)
    return json_chunks(({c: record.get(c) for c in columns} for record in records), fmt)


def encode(records: Iterable[Mapping[str, Any]], fmt: Format, columns: Sequence[str],
           keep_formulas: bool = False) -> Iterator[bytes]:
    """Records as chunks of a file in `fmt`, with exactly `columns`, in that order (CSV text
    cells neutralized unless `keep_formulas`, as `encode_counted`)."""
    return (chunk for chunk, _ in encode_counted(records, fmt, columns, keep_formulas))
