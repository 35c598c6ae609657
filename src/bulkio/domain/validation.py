"""Turn a raw row into a clean record of a resource, or into the row's errors.

Column names match fields ignoring case, spaces, hyphens and underscores (`Author ID`, `authorId`
and `author_id` are one field). Columns that start with `_error` are the ones an error report
adds, and `created_at`/`updated_at` the ones an export adds: a re-import ignores them. Any other
unknown column is reported once per job as a warning.

A record holds only the fields its row carries. A field the row does not carry (an absent
column, an absent JSON key) is absent from the record: an update leaves it as stored and a
create gives it its default. An empty cell or a JSON `null` is a value only for a `clearable`
field (it clears it to its default: no tags, no date); for a required field it is `required`,
and for any other field (an id, `active`) it means the same as an absent column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from attrs import frozen

from bulkio.domain.errors import FieldProblem
from bulkio.domain.resources import Resource
from bulkio.domain.rows import ErrorCode, RowError, SourceRow

Record = dict[str, Any]
ERROR_COLUMN_PREFIX = "_error"


@lru_cache(maxsize=4096)  # a file has few distinct column names; every row asks again
def canonical(column: str) -> str:
    """The form in which column names are compared."""
    return "".join(ch for ch in column.lower() if ch not in " _-\t")


_COLUMNS: dict[str, Mapping[str, str]] = {}


def _columns(resource: Resource) -> Mapping[str, str]:
    # Keyed by name: hashing the whole frozen Resource on every row costs more than validating.
    known = _COLUMNS.get(resource.name)
    if known is None:
        known = _COLUMNS[resource.name] = {canonical(n): n for n in resource.field_names}
    return known


def unknown_columns(resource: Resource, columns: Iterable[str]) -> list[str]:
    """Columns that match no field of the resource (error-report columns excluded)."""
    known = {canonical(name) for name in resource.export_columns}  # exports re-import cleanly
    return [
        c for c in columns
        if canonical(c) not in known and not c.startswith(ERROR_COLUMN_PREFIX)
    ]


def required_named(resource: Resource, columns: Iterable[str]) -> list[str]:
    """The resource's required fields that `columns` name, in declaration order: none at all
    means the file is in the wrong shape (split on the wrong delimiter, no header, another
    resource's file), since every row of it lacks every required field."""
    named = {canonical(c) for c in columns if isinstance(c, str)}
    return [f.name for f in resource.fields if f.required and canonical(f.name) in named]


@frozen
class Checked:
    """The outcome of validating one row: a record, or errors (never both)."""

    number: int
    record: Record | None
    errors: tuple[RowError, ...] = ()
    raw: Mapping[str, Any] | None = None
    line: int | None = None  # where the row starts in the file (errors found later name it)


def given_value(resource: Resource, raw: Mapping[str, Any] | None, field: str) -> Any:
    """The raw value a row gave for `field` (None when it carries no such column)."""
    known = _columns(resource)
    for column, value in (raw or {}).items():
        if isinstance(column, str) and known.get(canonical(column)) == field:
            return value
    return None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def validate(resource: Resource, row: SourceRow) -> Checked:
    """Check every field of `resource` against one raw row, and every rule whose fields it carries.

    The record holds the carried fields only (see the module docstring); a rule that reads a
    field the row does not carry is left to the upsert plan, which knows the stored record."""
    known = _columns(resource)
    given: dict[str, Any] = {}
    for column, value in row.values.items():
        name = known.get(canonical(column)) if isinstance(column, str) else None
        if name is not None:
            given[name] = value

    record: Record = {}
    errors: list[RowError] = []

    def error(field: str, code: ErrorCode, message: str, value: Any) -> None:
        errors.append(RowError(row.number, field, code, message, value, row.line))

    for spec in resource.fields:
        if spec.name not in given or _is_blank(raw := given[spec.name]):
            if spec.required:
                error(spec.name, ErrorCode.REQUIRED, f"{spec.name} is required", given.get(spec.name))
            elif spec.clearable and spec.name in given:
                record[spec.name] = spec.default
            continue
        try:
            record[spec.name] = spec.kind.clean(raw)
        except FieldProblem as problem:
            error(spec.name, problem.code, problem.message, raw)
    if not errors:
        for rule in resource.rules:
            broken = rule.check(record) if all(name in record for name in rule.reads) else None
            if broken is not None:
                field, code, message = broken
                error(field, code, message, given.get(field))
    if errors:
        return Checked(row.number, None, tuple(errors), row.values, row.line)
    return Checked(row.number, record, (), row.values, row.line)
