"""Reading any supported input: one entry point per step, dispatching on the format."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from bulkio.domain.errors import SourceUnreadable
from bulkio.formats.csv import read_csv
from bulkio.formats.format import Format
from bulkio.formats.json import precheck_json, read_json
from bulkio.formats.limits import DEFAULT_LIMITS, ReadLimits
from bulkio.formats.ndjson import read_ndjson
from bulkio.formats.source import RowReader, Source

_READERS: dict[Format, Callable[[Source], RowReader]] = {
    Format.NDJSON: read_ndjson,
    Format.JSON: read_json,
}


def open_rows(stream: BinaryIO, fmt: Format, limits: ReadLimits = DEFAULT_LIMITS,
              delimiter: str | None = None) -> RowReader:
    """Stream the rows of `stream` (plain or gzip) in memory bounded by `limits`; raise
    `SourceUnreadable` early. `delimiter` splits CSV fields (None: detect it); the other
    formats have none."""
    source = Source(stream, limits)
    source.skip_bom()
    if not source.data.peek(1):
        raise SourceUnreadable("the file is empty")
    if Format(fmt) is Format.CSV:
        return read_csv(source, delimiter)
    return _READERS[Format(fmt)](source)


def precheck(stream_factory: Callable[[], BinaryIO], fmt: Format,
             limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Check the whole input up front where one syntax error would spoil every later row."""
    # Only JSON needs it: a broken array must fail the job before anything is written, while
    # CSV and NDJSON report the broken row and read on.
    if Format(fmt) is Format.JSON:
        precheck_json(stream_factory, limits)
