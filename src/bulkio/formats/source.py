"""The byte side of reading: count what is read, undo gzip, and hand rows out as a `RowReader`."""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats.limits import DEFAULT_LIMITS, ReadLimits

Row = SourceRow | MalformedRow
CHUNK = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
UTF8_BOM = b"\xef\xbb\xbf"
RAW_PREVIEW = 200
JSON_WHITESPACE = b" \t\r\n"
_SURROGATES = re.compile("[\ud800-\udfff]")


class _Counted(io.RawIOBase):
    """Reads from the caller's stream and counts the bytes, for progress."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        return size


class _Gunzipped(io.RawIOBase):
    """Decompresses gzip, turning a corrupt archive or a decompression bomb into
    `SourceUnreadable` (see `ReadLimits.max_decompressed` and `max_ratio`)."""

    def __init__(self, compressed: BinaryIO, counted: _Counted, limits: ReadLimits) -> None:
        self._file = gzip.GzipFile(fileobj=compressed, mode="rb")
        self._counted, self._limits = counted, limits
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            # One decompression step at a time (`read1`): a stream cut short gives every byte
            # before the cut, and only the read after them fails.
            data = self._file.read1(len(buffer))
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise SourceUnreadable(f"the gzip data is corrupt or truncated: {err}") from err
        size = len(data)
        buffer[:size] = data
        self.count += size
        self._check()
        return size

    def _check(self) -> None:
        limits, out = self._limits, self.count
        if out > limits.max_decompressed:
            raise SourceUnreadable(
                f"the gzip data expands to more than {limits.max_decompressed:,} bytes "
                "(BULKIO_MAX_DECOMPRESSED_BYTES)")
        if out > limits.ratio_grace and out > limits.max_ratio * max(self._counted.count, 1):
            raise SourceUnreadable(
                f"the gzip data expands more than {limits.max_ratio} times its size "
                "(BULKIO_MAX_GZIP_RATIO): refused as a decompression bomb")


class Source:
    """The decompressed bytes of an input, and how far the underlying stream has been read."""

    def __init__(self, stream: BinaryIO, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self._counted = _Counted(stream)
        self.limits = limits
        buffered = io.BufferedReader(self._counted, CHUNK)
        if buffered.peek(2)[:2] == GZIP_MAGIC:
            gunzipped = _Gunzipped(buffered, self._counted, limits)  # type: ignore[arg-type]
            buffered = io.BufferedReader(gunzipped, CHUNK)
        self.data: io.BufferedReader = buffered

    @property
    def bytes_read(self) -> int:
        return self._counted.count

    def skip_bom(self) -> None:
        """Drop a UTF-8 byte order mark at the very start."""
        if self.data.peek(3)[:3] == UTF8_BOM:
            self.data.read(3)

    def first_significant_byte(self) -> int | None:
        """Consume leading JSON whitespace and return the next byte (unread), or None at the end."""
        while True:
            head = self.data.peek(CHUNK)
            if not head:
                return None
            blank = len(head) - len(head.lstrip(JSON_WHITESPACE))
            if blank < len(head):
                self.data.read(blank)
                return head[blank]
            self.data.read(len(head))


class RowReader(Iterator[Row]):
    """Rows of one input, with its columns (so far), the bytes read from the raw stream, and
    the delimiter its fields are split on (None for NDJSON and JSON)."""

    def __init__(self, rows: Iterator[Row], source: Source, columns: list[str],
                 delimiter: str | None = None) -> None:
        self._rows = rows
        self._source = source
        self.columns = columns
        self.delimiter = delimiter

    def __next__(self) -> Row:
        return next(self._rows)

    @property
    def bytes_read(self) -> int:
        return self._source.bytes_read


def preview(raw: bytes | str) -> str:
    """The start of a piece of input (at most `RAW_PREVIEW` characters, then `…` when there is
    more), as text safe to show and to store."""
    if isinstance(raw, bytes):
        raw = raw[: RAW_PREVIEW * 4 + 4].decode("utf-8", errors="replace")
    shown = raw[:RAW_PREVIEW] + ("…" if len(raw) > RAW_PREVIEW else "")
    return _SURROGATES.sub("\ufffd", shown)
