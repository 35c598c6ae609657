from __future__ import annotations

import gzip
import io

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import SourceRow
from bulkio.formats import Format, open_rows

from .samples import read

ROWS = 5_000
SAMPLES = {
    Format.CSV: b"email,name\n" + b"".join(b"u%d@x.io,User %d\n" % (i, i) for i in range(ROWS)),
    Format.NDJSON: b"".join(b'{"email": "u%d@x.io", "name": "User %d"}\n' % (i, i) for i in range(ROWS)),
    Format.JSON: b"[" + b",".join(b'{"email": "u%d@x.io", "name": "User %d"}' % (i, i) for i in range(ROWS)) + b"]",
}


class Recording(io.BytesIO):
    """A stream that remembers the largest read asked of it."""

    largest = 0

    def read(self, size: int | None = -1) -> bytes:
        self.largest = max(self.largest, size if size is not None and size >= 0 else 1 << 62)
        return super().read(size)


@pytest.mark.parametrize("fmt", list(Format))
def test_rows_are_the_same_when_input_is_gzipped(fmt: Format) -> None:
    plain = read(SAMPLES[fmt], fmt)
    assert read(gzip.compress(SAMPLES[fmt]), fmt) == plain
    assert len(plain) == ROWS
    assert plain[-1].values["email"] == f"u{ROWS - 1}@x.io"


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("fmt", list(Format))
def test_bytes_read_grows_to_the_file_size_when_rows_are_consumed(fmt: Format, compress: bool) -> None:
    data = gzip.compress(SAMPLES[fmt]) if compress else SAMPLES[fmt]
    stream = Recording(data)
    reader = open_rows(stream, fmt)
    seen = []
    for _ in reader:
        seen.append(reader.bytes_read)
    assert seen == sorted(seen)
    assert seen[0] < len(data) or compress
    assert reader.bytes_read == len(data)
    assert stream.largest <= 64 * 1024


def test_bytes_read_is_partial_when_reading_has_just_begun() -> None:
    data = SAMPLES[Format.NDJSON] * 20
    reader = open_rows(io.BytesIO(data), Format.NDJSON)
    next(reader)
    assert 0 < reader.bytes_read <= 64 * 1024 < len(data)


@pytest.mark.parametrize("fmt", list(Format))
def test_source_unreadable_is_raised_when_gzip_is_truncated(fmt: Format) -> None:
    data = gzip.compress(SAMPLES[fmt])
    with pytest.raises(SourceUnreadable, match="gzip"):
        read(data[: len(data) // 2], fmt)


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", gzip.compress(b"")], ids=["empty", "bom", "gzip"])
def test_source_unreadable_is_raised_when_input_is_empty(fmt: Format, data: bytes) -> None:
    with pytest.raises(SourceUnreadable, match="empty"):
        open_rows(io.BytesIO(data), fmt)


def test_line_numbers_are_those_of_the_text_when_input_is_gzipped() -> None:
    rows = read(gzip.compress(b'a\n1\n"2\n2"\n3\n'), Format.CSV)
    assert rows[-1] == SourceRow(3, {"a": "3"}, 5)
