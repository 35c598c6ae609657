"""Small helpers shared by the format tests: read bytes as rows, split rows by kind."""

from __future__ import annotations

import io

from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, Row, open_rows


def read(data: bytes, fmt: Format) -> list[Row]:
    """Every row of `data` read as `fmt`."""
    return list(open_rows(io.BytesIO(data), fmt))


def good(rows: list[Row]) -> list[SourceRow]:
    return [row for row in rows if isinstance(row, SourceRow)]


def bad(rows: list[Row]) -> list[MalformedRow]:
    return [row for row in rows if isinstance(row, MalformedRow)]
