"""Rows as they come out of a file, and the errors a row can carry."""

from __future__ import annotations

import re
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
MORE = "…"
# What no database keeps in text (PostgreSQL refuses U+0000 in `text` and in a JSON value it
# reads, SQLite and every UTF-8 encoder a lone surrogate): shown as U+FFFD, the replacement
# character (Unicode's own rule for what cannot be shown).
_UNSHOWABLE = re.compile("[\x00\ud800-\udfff]")


def showable(text: str) -> str:
    """`text` with NUL and lone surrogates shown as U+FFFD: safe to keep in a job's own row
    (its inline errors, warnings and failure reason)."""
    return _UNSHOWABLE.sub("\ufffd", text) if _UNSHOWABLE.search(text) else text



def brief(value: Any) -> Any:
    """`value`, or a preview of it when long: text cut to `PREVIEW` characters and `…`, lists
    and objects to their first `_ITEMS` entries, each brief too. However deep it nests, a
    preview holds at most `PREVIEW` characters of text and `PREVIEW` entries in all (what is
    left out shows as `…`), so a job's inline errors stay small whatever its rows hold."""
    return _Preview().of(value)  # text `showable`


class _Preview:
    """One preview's budget: characters of text and entries, spent depth-first."""

    def __init__(self) -> None:
        self.chars = self.entries = PREVIEW

    def of(self, value: Any) -> Any:
        if isinstance(value, str):
            shown = showable(value[: self.chars])
            self.chars -= len(shown)
            return shown if len(shown) == len(value) else shown + MORE
        if isinstance(value, list | tuple):
            items: list[Any] = []
            for item in value:
                if not self._room(len(items)):
                    return [*items, MORE]
                items.append(self.of(item))
            return items
        if isinstance(value, dict):
            pairs: dict[Any, Any] = {}
            for key, item in value.items():
                if not self._room(len(pairs)):
                    return pairs | {MORE: MORE}
                pairs[self.of(key)] = self.of(item)
            return pairs
        return value

    def _room(self, shown: int) -> bool:
        """Whether one more entry fits beside the `shown` ones of its list (spending it)."""
        if shown == _ITEMS or self.entries <= 0 or self.chars <= 0:
            return False
        self.entries -= 1
        return True


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
