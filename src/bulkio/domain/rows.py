"""Rows as they come out of a file, and the errors a row can carry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from attrs import evolve, frozen


class ErrorCode(StrEnum):
    """The published taxonomy of row error codes (stable: clients may switch on them)."""

    REQUIRED = "required"
    INVALID_TYPE = "invalid_type"
    INVALID_FORMAT = "invalid_format"
    INVALID_ENUM = "invalid_enum"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    INCONSISTENT = "inconsistent"
    UNIQUE_VIOLATION = "unique_violation"
    REFERENCE_NOT_FOUND = "reference_not_found"
    DUPLICATE_KEY_IN_FILE = "duplicate_key_in_file"
    MALFORMED_ROW = "malformed_row"
    INVALID_CHARACTER = "invalid_character"  # NUL or a lone surrogate: no database stores it
    INTERNAL_ERROR = "internal_error"  # checking the row failed unexpectedly (logged)


@frozen
class RowError:
    """One problem with one row: where (row, line, field), what (code, message) and the value."""

    row: int
    field: str | None
    code: ErrorCode
    message: str
    value: Any = None
    line: int | None = None

    def brief(self) -> RowError:
        """This error with a value short enough to show in every job view (see `brief`)."""
        return evolve(self, value=brief(self.value))


PREVIEW = 200  # characters of a long text shown in an error
_ITEMS = 20  # items of a long list or object shown in an error


def brief(value: Any) -> Any:
    """`value`, or a preview of it when long: text cut to `PREVIEW` characters and `…`, lists
    and objects to their first `_ITEMS` entries, each brief too."""
    if isinstance(value, str):
        return value if len(value) <= PREVIEW else value[:PREVIEW] + "…"
    if isinstance(value, list | tuple):
        return [brief(item) for item in value[:_ITEMS]] + (["…"] if len(value) > _ITEMS else [])
    if isinstance(value, dict):
        shown = {brief(k): brief(v) for k, v in list(value.items())[:_ITEMS]}
        return shown | ({"…": "…"} if len(value) > _ITEMS else {})
    return value


@frozen
class SourceRow:
    """A data row read from a file: its 1-based number, the line it starts on, its raw values."""

    number: int
    values: Mapping[str, Any]
    line: int | None = None


@frozen
class MalformedRow:
    """A piece of a file that could not be read as a row: why, a short preview (`raw`), and the
    values it still yields (e.g. cells decoded with U+FFFD), kept for the error report."""

    number: int
    message: str
    raw: str | None = None
    line: int | None = None
    values: Mapping[str, Any] | None = None

    def error(self) -> RowError:
        return RowError(
            row=self.number,
            field=None,
            code=ErrorCode.MALFORMED_ROW,
            message=self.message,
            value=self.raw,
            line=self.line,
        )
