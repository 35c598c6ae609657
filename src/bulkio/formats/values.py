"""How one value is written: as CSV text, or inside JSON (dates in UTC with a `Z`).

CSV text that a spreadsheet would run as a formula is neutralized (`neutralized`) unless the
caller keeps formulas; JSON is always exact."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson

from bulkio.domain.fields import TAG_SEPARATOR

# orjson writes datetimes itself (the hot path of every export): UTC as `Z`, naive read as UTC.
# Stored records are always UTC; another offset would be kept as written, still ISO 8601.
_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, microseconds only when there are some (naive means UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat() + "Z"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def dump_json(value: Any) -> bytes:
    """One JSON document, compact; never fails on what a reader could have produced."""
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        # Integers beyond 64 bits, lone surrogates or deep nesting: the standard library copes.
        return json.dumps(value, default=_default, separators=(",", ":")).encode("ascii")


def _list_cell(items: Sequence[Any]) -> str:
    plain = all(
        type(item) is str and item and item == item.strip() and TAG_SEPARATOR not in item
        for item in items
    )
    if plain:
        text = TAG_SEPARATOR.join(items)
        if not text.startswith("["):
            return text
    # What `a|b` cannot carry exactly is written as a JSON array, which import also accepts.
    return dump_json(list(items)).decode("utf-8")


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV Injection)."""
FORMULA_GUARD = "'"
"""What `neutralized` puts before such a cell: spreadsheets show the rest as plain text."""


def neutralized(text: str) -> str:
    """`text` as a CSV cell no spreadsheet runs as a formula: when it starts with `=`, `+`, `-`,
    `@`, a tab or a carriage return (`FORMULA_TRIGGERS`) it gets a leading `'` (`FORMULA_GUARD`),
    which Excel, LibreOffice Calc and Google Sheets take as "this cell is text"; any other text
    comes back unchanged (an empty one too).

    The rule is OWASP's advice against CSV injection
    (https://owasp.org/www-community/attacks/CSV_Injection). The writers apply it to text cells
    only (`guarded_cell`): numbers, booleans and dates that bulkio formats itself are left as
    they are (a negative number is a value, not a formula). PostgreSQL's COPY exports apply the
    same rule in SQL (`adapters/sql/copy_export.py`), byte for byte."""
    return FORMULA_GUARD + text if text.startswith(FORMULA_TRIGGERS) else text


def guarded_columns(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The columns of `records` with a text that looks `neutralized`: a `'` then a formula
    trigger. Importing such a CSV keeps the quote (the value may really start with one);
    this lets the import say so."""
    found: set[str] = set()
    for record in records:
        for column, value in record.items():
            if type(value) is str and value.startswith(FORMULA_GUARD) \
                    and value[1:].startswith(FORMULA_TRIGGERS):
                found.add(column)
    return found


def guarded_cell(value: Any) -> str:
    """The text of one CSV cell, `neutralized` when the value is text: a string, or tags
    written as `a|b` (a JSON cell starts with `[` or `{`, never with a trigger)."""
    if type(value) is str:  # the common cell first: one call less on the export's hot path
        return neutralized(value)
    text = csv_cell(value)
    return neutralized(text) if isinstance(value, str | list | tuple) else text


def csv_cell(value: Any) -> str:
    """The text of one CSV cell, exactly as the value is (formulas too: see `guarded_cell`)."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _list_cell(value)
    if isinstance(value, dict):
        return dump_json(value).decode("utf-8")
    return str(value)
