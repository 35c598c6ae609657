"""Rows as they come out of a file, and the errors a row can carry."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from attrs import frozen


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


@frozen
class SourceRow:
    """A data row read from a file: its 1-based number, the line it starts on, its raw values."""

    number: int
    values: Mapping[str, Any]
    line: int | None = None


@frozen
class MalformedRow:
    """A piece of a file that could not be read as a row at all."""

    number: int
    message: str
    raw: str | None = None
    line: int | None = None

    def error(self) -> RowError:
        return RowError(
            row=self.number,
            field=None,
            code=ErrorCode.MALFORMED_ROW,
            message=self.message,
            value=self.raw,
            line=self.line,
        )
