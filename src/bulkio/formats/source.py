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
    """Decompresses gzip, turning a corrupt archive into `SourceUnreadable`."""

    def __init__(self, compressed: BinaryIO) -> None:
        self._file = gzip.GzipFile(fileobj=compressed, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            return self._file.readinto(buffer)
        except (gzip.BadGzipFile, EOFError, zlib.error) as err:
            raise SourceUnreadable(f"the gzip data is corrupt or truncated: {err}") from err


class Source:
    """The decompressed bytes of an input, and how far the underlying stream has been read."""

    def __init__(self, stream: BinaryIO) -> None:
        self._counted = _Counted(stream)
        buffered = io.BufferedReader(self._counted, CHUNK)
        if buffered.peek(2)[:2] == GZIP_MAGIC:
            buffered = io.BufferedReader(_Gunzipped(buffered), CHUNK)  # type: ignore[arg-type]
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
    """Rows of one input, with its columns (so far) and the bytes read from the raw stream."""

    def __init__(self, rows: Iterator[Row], source: Source, columns: list[str]) -> None:
        self._rows = rows
        self._source = source
        self.columns = columns

    def __next__(self) -> Row:
        return next(self._rows)

    @property
    def bytes_read(self) -> int:
        return self._source.bytes_read


def preview(raw: bytes | str) -> str:
    """The start of a piece of input, as text safe to show and to store."""
    if isinstance(raw, bytes):
        raw = raw[: RAW_PREVIEW * 4].decode("utf-8", errors="replace")
    return _SURROGATES.sub("\ufffd", raw[:RAW_PREVIEW])
