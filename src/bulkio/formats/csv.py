"""CSV rows (RFC 4180) streamed from a `Source` with the standard library's C reader.

The delimiter is the caller's, else an Excel `sep=` first line's, else the header's
(`bulkio.formats.delimiter`). A broken record never costs the rows after it. Every physical line
of the record being read is kept (at most `ReadLimits.max_record` characters) until the record
is done: when it turns out broken (an unclosed quote, text after a closing quote, more than
`max_record` characters) it is reported at the line where it starts, and reading resumes at its
second line, so the next line that parses as a record is read as one.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.domain.validation import canonical
from bulkio.formats.delimiter import detect_delimiter, sep_line
from bulkio.formats.limits import ReadLimits
from bulkio.formats.shape import too_long_value
from bulkio.formats.source import Row, RowReader, Source, preview

# The csv module's own field limit is process-wide; `_Lines` bounds each record instead (an
# unmatched quote cannot gather more than `max_record` characters), so the module's is opened.
csv.field_size_limit(2**31 - 1)

_UNDECODABLE = re.compile("[\udc80-\udcff]")
_ENDINGS = ("\n", "\r")


class _TooLong(Exception):
    """Raised through the csv reader when a record outgrows `ReadLimits.max_record`."""

    def __init__(self, line: int, head: str, whole_line: bool) -> None:
        super().__init__(line)
        self.line, self.head, self.whole_line = line, head, whole_line


class _TooWide(Exception):
    """Raised through the csv reader when an unquoted line has too many separators."""


class _Lines:
    """Physical lines for the csv reader: numbered, bounded, and kept per record for replay."""

    def __init__(self, text: io.TextIOWrapper, limits: ReadLimits) -> None:
        self._readline = text.readline
        self._limit, self._columns = limits.max_record, limits.max_columns
        self.delimiter = ","
        self._replay: deque[tuple[int, str]] = deque()
        self._read = 0  # physical lines taken from the text so far
        self.taken: list[tuple[int, str]] = []  # (number, text) of the current record's lines
        self.size = 0  # characters of the current record
        self.undecodable = False  # the current record holds bytes that are not UTF-8

    def start_record(self) -> None:
        self.taken.clear()
        self.size = 0
        self.undecodable = False

    @property
    def start(self) -> int:
        """The line the current record starts on."""
        return self.taken[0][0] if self.taken else self._replay[0][0] if self._replay else self._read + 1

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        # A class, not a generator: a generator that raised once would end the csv reader too.
        if self._replay:
            number, line = self._replay.popleft()
        else:
            line = self._readline(self._limit + 1)
            if not line:
                raise StopIteration
            self._read += 1
            number = self._read
            if len(line) > self._limit:
                while (rest := self._readline(self._limit)) and not rest.endswith(_ENDINGS):
                    pass
                raise _TooLong(number, line[:1000], whole_line=not self.taken)
        self.size += len(line)
        if self.size > self._limit:
            self.taken.append((number, line))  # read again too, unless it starts the record
            raise _TooLong(number, self.taken[0][1][:1000], whole_line=False)
        if not self.taken and '"' not in line and line.count(self.delimiter) >= self._columns:
            self.taken.append((number, line))
            raise _TooWide  # found before the csv module splits it into a million cells
        self.taken.append((number, line))
        if not line.isascii() and _UNDECODABLE.search(line):
            self.undecodable = True
        return line

    def peek(self) -> str:
        """The next line that is not blank, left to be read again ("" at the end). Blank lines
        before it are dropped (they hold no record) but counted."""
        while not self._replay:
            line = self._readline(self._limit + 1)
            if not line:
                return ""
            self._read += 1
            if line.strip("\r\n"):
                self._replay.append((self._read, line))
        return self._replay[0][1]

    def skip(self) -> None:
        """Drop the line `peek` returned."""
        self._replay.popleft()

    def replay_after_first(self) -> None:
        """Read the current record's lines again from its second one (it was not a record)."""
        self._replay.extendleft(reversed(self.taken[1:]))


def _check_header(header: list[str], line: int, limits: ReadLimits) -> list[str]:
    while header and not header[-1].strip():
        header = header[:-1]  # a spreadsheet's stray trailing commas name no column
    if len(header) > limits.max_columns:
        raise SourceUnreadable(f"the CSV header has more columns than the limit of "
                               f"{limits.max_columns:,} (BULKIO_MAX_COLUMNS)")
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


def _decoded(cells: list[str]) -> list[str]:
    """Cells with the bytes that were not UTF-8 shown as U+FFFD, so a report can keep them."""
    return [_UNDECODABLE.sub("\ufffd", cell) for cell in cells]


class _CsvRows:
    """Turns csv records into numbered rows; a broken record is reported and reading goes on."""

    def __init__(self, source: Source, delimiter: str | None = None) -> None:
        text = io.TextIOWrapper(source.data, encoding="utf-8", errors="surrogateescape", newline="")
        self._limits = source.limits
        self._lines = _Lines(text, source.limits)
        self.delimiter = self._lines.delimiter = self._choose(delimiter)
        self._reader = csv.reader(self._lines, strict=True, delimiter=self.delimiter)
        self.header = self._read_header()

    def _choose(self, given: str | None) -> str:
        """The caller's delimiter, else a `sep=` line's (skipped either way), else the header's."""
        lines = self._lines
        from_sep = sep_line(lines.peek())
        if from_sep is not None:
            lines.skip()
        return given or from_sep or detect_delimiter(lines.peek())

    def _read_header(self) -> list[str]:
        while True:
            self._lines.start_record()
            try:
                cells = next(self._reader)
            except StopIteration:
                raise SourceUnreadable("the file is empty: a CSV file needs a header line") from None
            except _TooWide:
                raise SourceUnreadable(f"the CSV header has more columns than the limit of "
                                       f"{self._limits.max_columns:,} (BULKIO_MAX_COLUMNS)") from None
            except (csv.Error, _TooLong) as err:
                start = getattr(err, "line", self._lines.start)
                reason = err if isinstance(err, csv.Error) else (
                    f"it is longer than {self._limits.max_record:,} characters")
                raise SourceUnreadable(f"the CSV header (line {start}) cannot be read: {reason}") from err
            start = self._lines.start
            if self._lines.undecodable:
                raise SourceUnreadable(f"the CSV header (line {start}) is not valid UTF-8 text")
            if any(cells):
                return _check_header(cells, start, self._limits)

    def __iter__(self) -> Iterator[Row]:
        width, number = len(self.header), 0
        lines, reader, header, limits = self._lines, self._reader, self.header, self._limits
        join = self.delimiter.join
        while True:
            lines.start_record()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _TooLong, _TooWide) as err:
                number += 1
                yield _broken(number, lines, err, limits)
                continue
            if not any(cells):
                continue  # blank line, or only separators: nothing to import
            number += 1
            start = lines.start
            if lines.undecodable:
                cells = _decoded(cells)
                values = dict(zip(header, cells + [""] * (width - len(cells))))
                raw = preview(join(cells))
                yield MalformedRow(number, "row is not valid UTF-8 text", raw, start, values)
            elif len(cells) > width and any(cells[width:]):
                message = f"row has {len(cells)} values but the header has {width} columns"
                yield MalformedRow(number, message, preview(join(cells)), start)
            elif lines.size > limits.max_value and _longest(cells) > limits.max_value:
                message = too_long_value(limits)
                yield MalformedRow(number, message, preview(max(cells, key=len)), start)
            else:
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                # Trailing empty cells (a spreadsheet's stray commas) lose nothing: accept the row.
                yield SourceRow(number, dict(zip(header, cells)), start)


def _longest(cells: list[str]) -> int:
    return max(map(len, cells), default=0)


def _broken(number: int, lines: _Lines, err: Exception, limits: ReadLimits) -> MalformedRow:
    """The row error for a record that cannot be split; its later lines will be read again."""
    if isinstance(err, _TooWide):
        start, line = lines.taken[0]
        message = f"row has more than the limit of {limits.max_columns:,} values (BULKIO_MAX_COLUMNS)"
        return MalformedRow(number, message, preview(line), start)
    start = lines.start if lines.taken else getattr(err, "line", lines.start)
    lines.replay_after_first()
    if isinstance(err, _TooLong):
        if err.whole_line:
            message = (f"line {err.line} is longer than the limit of {limits.max_record:,} "
                       "characters (BULKIO_MAX_RECORD_BYTES)")
            return MalformedRow(number, message, preview(err.head), err.line)
        message = (f"the record starting at line {start} is longer than the limit of "
                   f"{limits.max_record:,} characters (BULKIO_MAX_RECORD_BYTES): a quote is "
                   f"probably never closed; reading goes on at line {start + 1}")
        return MalformedRow(number, message, preview(err.head), start)
    text = str(err)
    head = preview(lines.taken[0][1]) if lines.taken else None
    if "unexpected end of data" in text:
        message = f"unterminated quoted field starting at line {start}"
        if len(lines.taken) > 1:
            message += f"; reading goes on at line {start + 1}"
        return MalformedRow(number, message, head, start)
    return MalformedRow(number, f"row is not valid CSV: {text}", head, start)


def read_csv(source: Source, delimiter: str | None = None) -> RowReader:
    """Rows of a CSV file with a header line, split on `delimiter` (None: as the file says,
    see `bulkio.formats.delimiter`); the header is read (and checked) right away."""
    rows = _CsvRows(source, delimiter)
    return RowReader(iter(rows), source, list(rows.header), rows.delimiter)
