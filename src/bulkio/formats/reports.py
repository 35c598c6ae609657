"""Error reports: the failed rows as they came in, plus why, ready to fix and import again."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from attrs import frozen

from bulkio.domain.rows import RowError
from bulkio.domain.validation import ERROR_COLUMN_PREFIX
from bulkio.formats.format import Format
from bulkio.formats.writers import Chunks, csv_chunks, json_chunks

ERROR_COLUMNS = ("_error_row", "_error_field", "_error_code", "_error_message")
JOINER = "; "
PEEK_LIMIT = 1000


@frozen
class _FailedRow:
    number: int
    errors: tuple[RowError, ...]
    values: Mapping[str, Any] | None

    def explained(self) -> dict[str, Any]:
        return {
            "_error_row": self.number,
            "_error_field": JOINER.join(e.field or "" for e in self.errors),
            "_error_code": JOINER.join(str(e.code) for e in self.errors),
            "_error_message": JOINER.join(e.message for e in self.errors),
        }


def _merged(rows: Iterable[tuple[RowError, Mapping[str, Any] | None]]) -> Iterator[_FailedRow]:
    """Consecutive errors of one row become one report row."""
    errors: list[RowError] = []
    values: Mapping[str, Any] | None = None
    for error, raw in rows:
        if errors and error.row != errors[0].row:
            yield _FailedRow(errors[0].row, tuple(errors), values)
            errors, values = [], None
        errors.append(error)
        values = values if values is not None else raw
    if errors:
        yield _FailedRow(errors[0].row, tuple(errors), values)


def _object(row: _FailedRow) -> dict[str, Any]:
    # Error columns of an earlier report are dropped: they describe that import, not this one.
    values = row.values or {}
    kept = {k: v for k, v in values.items() if not str(k).startswith(ERROR_COLUMN_PREFIX)}
    return kept | row.explained()


def _peek_columns(rows: Iterator[_FailedRow]) -> tuple[list[_FailedRow], list[str] | None]:
    """The file's own column names, from the first failed row that kept its values.

    Rows that could not be read at all carry no values; at most `PEEK_LIMIT` of them are held
    while looking, so a report of only malformed rows falls back to the resource's fields.
    """
    ahead: list[_FailedRow] = []
    for row in rows:
        ahead.append(row)
        if row.values:
            return ahead, [str(k) for k in row.values]
        if len(ahead) >= PEEK_LIMIT:
            break
    return ahead, None


def encode_error_report(
    rows: Iterable[tuple[RowError, Mapping[str, Any] | None]], fmt: Format, columns: Sequence[str],
    keep_formulas: bool = False, same_keys: bool = False,
) -> Iterator[bytes]:
    """Each failed row once: its original values under the file's own column names, then the
    `_error_*` columns. In CSV the header is the first failed row's columns (`columns`, the
    resource's fields, when no row kept its values); unless the rows all have `same_keys` (they
    came from a CSV file), the fields of `columns` that row lacks follow, since rows of an NDJSON
    or JSON file need not carry the same keys: a field one row lacks is an empty cell. In CSV, text that a
    spreadsheet would run as a formula (header names too) gets a leading `'` unless
    `keep_formulas` (`formats.values.neutralized`); NDJSON and JSON keep every value exact and
    every row's own keys."""
    fmt = Format(fmt)
    if fmt is not Format.CSV:
        return _bytes(json_chunks((_object(row) for row in _merged(rows)), fmt))
    merged = _merged(rows)
    ahead, own = _peek_columns(merged)
    first = own or list(columns)
    more = () if same_keys else (c for c in columns if c not in first)
    kept = [c for c in (*first, *more) if not str(c).startswith(ERROR_COLUMN_PREFIX)]
    header = [*kept, *ERROR_COLUMNS]

    def lines() -> Iterator[list[Any]]:
        for row in itertools.chain(ahead, merged):
            values = row.values or {}
            explained = row.explained()
            yield [*(values.get(c) for c in kept), *(explained[c] for c in ERROR_COLUMNS)]

    return _bytes(csv_chunks(header, lines(), keep_formulas))


def _bytes(chunks: Chunks) -> Iterator[bytes]:
    return (chunk for chunk, _ in chunks)
