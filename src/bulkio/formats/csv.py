"""CSV rows (RFC 4180) streamed from a `Source` with the standard library's C reader."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.domain.validation import canonical
from bulkio.formats.source import Row, RowReader, Source, preview

# One value may hold at most this many characters. The limit is what keeps memory flat when a
# quote is never closed: without it the reader would gather the rest of the file into one field.
FIELD_SIZE_LIMIT = 1024 * 1024
# A physical line longer than this is skipped unread, for the same reason.
MAX_LINE = 16 * 1024 * 1024
csv.field_size_limit(FIELD_SIZE_LIMIT)

_UNDECODABLE = re.compile("[\udc80-\udcff]")
_ENDINGS = ("\n", "\r")


class _LineTooLong(Exception):
    """Raised through the csv reader when a physical line exceeds `MAX_LINE`."""


class _Lines:
    """Physical lines of the text, counted, capped in length and checked for invalid UTF-8."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._readline = text.readline
        self.number = 0
        self.last_undecodable = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        # A class, not a generator: a generator that raised once would end the csv reader too.
        line = self._readline(MAX_LINE)
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) == MAX_LINE and not line.endswith(_ENDINGS):
            while (rest := self._readline(MAX_LINE)) and not rest.endswith(_ENDINGS):
                pass
            raise _LineTooLong
        if not line.isascii() and _UNDECODABLE.search(line):
            self.last_undecodable = self.number
        return line


def _check_header(header: list[str], line: int) -> list[str]:
    while header and not header[-1].strip():
        header = header[:-1]  # a spreadsheet's stray trailing commas name no column
    seen: dict[str, str] = {}
    for position, name in enumerate(header, start=1):
        if not name.strip():
            raise SourceUnreadable(f"column {position} of the CSV header (line {line}) has no name")
        key = canonical(name)
        if key in seen:
            raise SourceUnreadable(
                f"the CSV header names the same column twice: {seen[key]!r} and {name!r}"
            )
        seen[key] = name
    return header


class _CsvRows:
    """Turns csv records into numbered rows; stops only where the text cannot be split further."""

    def __init__(self, source: Source) -> None:
        text = io.TextIOWrapper(source.data, encoding="utf-8", errors="surrogateescape", newline="")
        self._lines = _Lines(text)
        self._reader = csv.reader(self._lines, strict=True)
        self.header = self._read_header()

    def _read_header(self) -> list[str]:
        while True:
            start = self._lines.number + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                raise SourceUnreadable("the file is empty: a CSV file needs a header line") from None
            except (csv.Error, _LineTooLong) as err:
                raise SourceUnreadable(f"the CSV header (line {start}) cannot be read: {err}") from err
            if self._lines.last_undecodable >= start:
                raise SourceUnreadable(f"the CSV header (line {start}) is not valid UTF-8 text")
            if any(cells):
                return _check_header(cells, start)

    def __iter__(self) -> Iterator[Row]:
        width, number = len(self.header), 0
        lines, reader, header = self._lines, self._reader, self.header
        while True:
            start = lines.number + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _LineTooLong) as err:
                number += 1
                stop = _malformed(number, start, lines.number, err)
                yield stop[0]
                if stop[1]:
                    return
                continue
            if not any(cells):
                continue  # blank line, or only separators: nothing to import
            number += 1
            if lines.last_undecodable >= start:
                yield MalformedRow(number, "row is not valid UTF-8 text", preview(",".join(cells)), start)
            elif len(cells) <= width:
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                yield SourceRow(number, dict(zip(header, cells)), start)
            elif any(cells[width:]):
                message = f"row has {len(cells)} values but the header has {width} columns"
                yield MalformedRow(number, message, preview(",".join(cells)), start)
            else:
                # Trailing empty cells (a spreadsheet's stray commas) lose nothing: accept the row.
                yield SourceRow(number, dict(zip(header, cells)), start)


def _malformed(number: int, start: int, end: int, err: Exception) -> tuple[MalformedRow, bool]:
    """The row error for a csv failure, and whether the rest of the file is lost with it."""
    if isinstance(err, _LineTooLong):
        return MalformedRow(number, f"line {end} is longer than {MAX_LINE:,} characters", line=end), end > start
    text = str(err)
    if "unexpected end of data" in text:
        return MalformedRow(number, f"unterminated quoted field starting at line {start}", line=start), True
    if "field larger than field limit" in text:
        if end > start:
            message = (
                f"unterminated quoted field starting at line {start} (or a value longer than "
                f"{FIELD_SIZE_LIMIT:,} characters): the rest of the file cannot be split into rows"
            )
            return MalformedRow(number, message, line=start), True
        return MalformedRow(number, f"a value is longer than {FIELD_SIZE_LIMIT:,} characters", line=start), False
    return MalformedRow(number, f"row is not valid CSV: {text}", line=start), False


def read_csv(source: Source) -> RowReader:
    """Rows of a CSV file with a header line; the header is read (and checked) right away."""
    rows = _CsvRows(source)
    return RowReader(iter(rows), source, list(rows.header))
