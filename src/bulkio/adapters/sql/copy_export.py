"""PostgreSQL exports written by the server: `COPY (SELECT …) TO STDOUT`, every value formatted
in the SELECT, byte for byte as `bulkio.formats.writers` writes the same records in Python.

Python only joins the rows PostgreSQL sends (one COPY message per row) into chunks:

- CSV: COPY's own RFC 4180 quoting, which quotes exactly what the `csv` module quotes (a comma,
  a quote, CR or LF). Two differences are taken out in the SELECT: an empty value is written
  unquoted (NULL) unless it is the only column, where `csv` writes `""`; and every row carries an
  extra empty column, so a lone value is never COPY's special `\\.`. That column's `,` and COPY's
  LF line end become the CRLF that `csv` writes. Text that a spreadsheet would run as a formula
  gets its leading `'` in the SELECT too (`_GUARDED`, the SQL of `formats.values.neutralized`),
  unless the query keeps formulas.
- NDJSON and JSON: `row_to_json` (compact, the escapes orjson uses) over the formatted values,
  sent through CSV COPY with control characters as quote and delimiter: JSON text never holds a
  raw control character, so COPY sends every line unquoted and unescaped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from bulkio.adapters.sql.records import conditions_of
from bulkio.adapters.sql.tables import records
from bulkio.domain.fields import TAG_SEPARATOR, Boolean, Choice, TagList, Timestamp, Uuid
from bulkio.domain.queries import ExportQuery
from bulkio.formats import Format
from bulkio.formats.values import FORMULA_GUARD, FORMULA_TRIGGERS
from bulkio.formats.writers import Chunks, array_pieces, csv_header, gathered

# What `str.strip()` strips: a tag with any of it at either end is written as a JSON array.
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
TIME_COLUMNS = ("created_at", "updated_at")

# ISO 8601 in UTC with a `Z`, microseconds only when there are some (`formats.values.utc_text`):
# one `to_char` with them, dropped when they are all zero (half the cost of a `date_trunc` test
# and two `to_char`s).
_TIME = ("replace(to_char(({c} AT TIME ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
         "'.000000Z', 'Z')")
_BOOLEAN = "CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END"
# `formats.values.neutralized`: the guard before text that starts with a formula trigger, found
# by the code point of its first character (`ascii('')` is 0, no trigger's).
_GUARDED = ("CASE WHEN ascii({c}) = ANY(%(formula_trigger_codes)s) "
            "THEN %(formula_guard)s || {c} ELSE {c} END")
# `a|b` when every tag is plain (non-empty, unpadded, no separator) and the text does not start
# with `[`; otherwise the JSON array (`formats.values._list_cell`), which never needs a guard.
_TAGS = ("CASE WHEN {c} IS NULL THEN NULL "
         "WHEN NOT EXISTS (SELECT 1 FROM unnest({c}) AS tag(t) WHERE t = '' "
         "OR btrim(t, %(whitespace)s) <> t OR strpos(t, %(separator)s) > 0) "
         "AND left(array_to_string({c}, %(separator)s), 1) <> '[' "
         "THEN {plain} ELSE to_json({c})::text END")
_PLAIN_TAGS = "array_to_string({c}, %(separator)s)"
_JSON_OPTIONS = "(FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02', ENCODING 'UTF8')"
_CSV_OPTIONS = "(FORMAT csv, ENCODING 'UTF8')"


def _value(query: ExportQuery, name: str, fmt: Format) -> str:
    """The SELECT expression of one column: text as the CSV cell, or the JSON value."""
    column = f'"{query.resource.name}"."{name}"'
    kind = None if name in TIME_COLUMNS else query.resource.field(name).kind
    if name in TIME_COLUMNS or isinstance(kind, Timestamp):
        return _TIME.format(c=column)
    if fmt is not Format.CSV:
        return column  # booleans, arrays, null: JSON values of their own
    if isinstance(kind, Boolean):
        return _BOOLEAN.format(c=column)
    if isinstance(kind, TagList):
        return _TAGS.format(c=column, plain=_guarded(query, _PLAIN_TAGS.format(c=column)))
    if not _may_lead_with_a_trigger(kind):
        return f"{column}::text"
    return _guarded(query, f"{column}::text")


def _may_lead_with_a_trigger(kind: Any) -> bool:
    """Whether text of this kind can start with a formula trigger: a UUID or a choice of words
    that do not cannot, so the guard (which writes the same) is not evaluated for it."""
    if isinstance(kind, Uuid):
        return False
    return not isinstance(kind, Choice) or any(c.startswith(FORMULA_TRIGGERS) for c in kind.choices)


def _guarded(query: ExportQuery, text: str) -> str:
    """A text expression, neutralized (`_GUARDED`) unless the query keeps formulas."""
    return text if query.keep_formulas else _GUARDED.format(c=text)


def export_statement(query: ExportQuery, fmt: Format) -> tuple[str, dict[str, Any]]:
    """The COPY statement of an export and its parameters (psycopg `%(name)s` style)."""
    resource = query.resource
    table = records[resource.name]
    params: dict[str, Any] = {"whitespace": WHITESPACE, "separator": TAG_SEPARATOR,
                              "formula_trigger_codes": [ord(t) for t in FORMULA_TRIGGERS],
                              "formula_guard": FORMULA_GUARD}
    where = ""
    if query.conditions:
        compiled = sa.and_(*conditions_of(query)).compile(
            dialect=sa.dialects.postgresql.psycopg.dialect())
        where = f"WHERE {compiled}"
        params.update(compiled.params)
    order = f'ORDER BY "{table.name}"."{resource.key}"'
    values = [_value(query, name, fmt) for name in query.columns]
    if fmt is Format.CSV:
        single = len(values) == 1
        cells = [f"COALESCE({v}, '')" if single else f"NULLIF({v}, '')" for v in values]
        select = f'SELECT {", ".join(cells)}, NULL FROM "{table.name}" {where} {order}'
        return f"COPY ({select}) TO STDOUT {_CSV_OPTIONS}", params
    labelled = ", ".join(f'{v} AS "{name}"' for v, name in zip(values, query.columns, strict=True))
    select = (f'SELECT row_to_json(r)::text FROM "{table.name}" '
              f"CROSS JOIN LATERAL (SELECT {labelled}) AS r {where} {order}")
    return f"COPY ({select}) TO STDOUT {_JSON_OPTIONS}", params


def copy_chunks(rows: Iterator[Any], query: ExportQuery, fmt: Format) -> Chunks:
    """COPY's rows (one buffer per row, each ending in LF) as the export file's chunks."""
    if fmt is Format.CSV:
        # The extra column's `,` and COPY's LF become the CRLF the csv module writes.
        head = csv_header(query.columns, query.keep_formulas)
        return gathered(((row[:-2], b"\r\n") for row in rows), head=head)
    if fmt is Format.NDJSON:
        return gathered((row, b"") for row in rows)
    return gathered(array_pieces(row[:-1] for row in rows), json_array=True)


def read_rows(copy: Any) -> Iterator[Any]:
    """The buffers of a psycopg COPY TO, one per row."""
    read = copy.read
    while row := read():
        yield row
