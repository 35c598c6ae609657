"""Small helpers shared by the format tests: read bytes as rows, split rows by kind."""

from __future__ import annotations

import io

from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats import Format, Row, open_rows
from bulkio.formats.limits import DEFAULT_LIMITS, ReadLimits

# Small limits, so tests reach them with small inputs.
SMALL = ReadLimits(max_value=1000, max_record=8000, max_columns=20, max_depth=5, max_values=200,
                   max_decompressed=1_000_000, max_ratio=50, ratio_grace=100_000)


def read(data: bytes, fmt: Format, limits: ReadLimits = DEFAULT_LIMITS) -> list[Row]:
    """Every row of `data` read as `fmt`."""
    return list(open_rows(io.BytesIO(data), fmt, limits))


def good(rows: list[Row]) -> list[SourceRow]:
    return [row for row in rows if isinstance(row, SourceRow)]


def bad(rows: list[Row]) -> list[MalformedRow]:
    return [row for row in rows if isinstance(row, MalformedRow)]
