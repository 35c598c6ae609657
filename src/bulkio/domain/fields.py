"""Field kinds: how one raw value (from CSV text or JSON) becomes a clean value, or an error.

Each kind is a small frozen strategy with `clean(raw) -> value` that raises `FieldProblem`.
CSV hands every value over as text, so every kind accepts its text form too.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from attrs import frozen

from bulkio.domain.errors import FieldProblem
from bulkio.domain.rows import ErrorCode

TAG_SEPARATOR = "|"


# U+0000 and lone surrogates are no text a database keeps: PostgreSQL refuses NUL in text and
# neither back end encodes a lone surrogate to UTF-8. Refused here, both give one verdict.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> str:
    """`value` itself, or `FieldProblem(invalid_character)` if it holds NUL or a lone surrogate."""
    found = _UNSTORABLE.search(value)
    if found is not None:
        raise FieldProblem(ErrorCode.INVALID_CHARACTER,
                           f"Contains a character that cannot be stored (U+{ord(found.group()):04X})")
    return value


def _text(raw: Any, what: str) -> str:
    if isinstance(raw, str):
        return storable(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise FieldProblem(ErrorCode.INVALID_TYPE, f"Expected {what}")
    try:
        return str(raw)
    except ValueError:  # an integer past Python's 4,300-digit conversion limit
        raise FieldProblem(ErrorCode.TOO_LONG, f"Expected {what}, got a number too long") from None


@frozen
class Text:
    """A string with optional length bounds (characters) or word bounds."""

    max_length: int | None = None
    min_words: int | None = None
    max_words: int | None = None
    json_type: str = "string"

    def clean(self, raw: Any) -> str:
        value = _text(raw, "a string").strip() if not isinstance(raw, str) else storable(raw)
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldProblem(ErrorCode.TOO_LONG, f"Must be at most {self.max_length:,} characters")
        if self.min_words is not None or self.max_words is not None:
            words = len(value.split())
            if self.min_words is not None and words < self.min_words:
                raise FieldProblem(
                    ErrorCode.TOO_SHORT, f"Must have at least {self.min_words:,} words (has {words:,})"
                )
            if self.max_words is not None and words > self.max_words:
                raise FieldProblem(
                    ErrorCode.TOO_LONG, f"Must have at most {self.max_words:,} words (has {words:,})"
                )
        return value


@frozen
class Pattern:
    """A string that must match a regular expression: natural keys (emails, slugs).

    Compared and stored in one spelling: Unicode NFC (composed characters, as W3C's character
    model and RFC 8265 recommend for identifiers), trimmed, then lowercased if asked (and NFC
    again, since lowercasing can decompose); so `é` typed as one character or as `e` plus a
    combining accent is one key."""

    regex: str
    description: str
    max_length: int = 255
    lowercase: bool = False

    def canonical(self, raw: Any) -> str:
        """The one spelling `raw` is compared and stored in (`FieldProblem` if it is no text),
        not yet checked against the length and the pattern."""
        value = unicodedata.normalize("NFC", _text(raw, "a string")).strip()
        if self.lowercase:
            value = unicodedata.normalize("NFC", value.lower())
        return value

    def clean(self, raw: Any) -> str:
        value = self.canonical(raw)
        if len(value) > self.max_length:
            raise FieldProblem(ErrorCode.TOO_LONG, f"Must be at most {self.max_length} characters")
        if not re.fullmatch(self.regex, value):
            raise FieldProblem(ErrorCode.INVALID_FORMAT, f"Invalid {self.description} format")
        return value


@frozen
class Uuid:
    """A UUID, stored in its canonical lowercase hyphenated form."""

    def canonical(self, raw: Any) -> str:
        """The canonical form of `raw` (`FieldProblem` if it is no UUID); text already in that
        form (36 characters, lowercase) is taken as it is, a cheap look at most ids."""
        if (type(raw) is str and len(raw) == 36 and raw[8] == raw[13] == raw[18] == raw[23] == "-"
                and raw == raw.lower()):
            return raw
        return self.clean(raw)

    def clean(self, raw: Any) -> str:
        try:
            return str(uuid.UUID(_text(raw, "a UUID string").strip()))
        except ValueError:
            raise FieldProblem(ErrorCode.INVALID_FORMAT, "Must be a valid UUID") from None


@frozen
class Choice:
    """One of a fixed set of strings."""

    choices: tuple[str, ...]
    label: str

    def clean(self, raw: Any) -> str:
        value = _text(raw, "a string").strip()
        if value not in self.choices:
            raise FieldProblem(
                ErrorCode.INVALID_ENUM, f"Invalid {self.label}: must be one of {', '.join(self.choices)}"
            )
        return value


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


@frozen
class Boolean:
    """true/false; in text also 1/0, yes/no (any case)."""

    def clean(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            word = raw.strip().lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
        raise FieldProblem(ErrorCode.INVALID_TYPE, "Must be a boolean (true or false)")


@frozen
class Timestamp:
    """An ISO 8601 date or date-time; a date means midnight UTC, a naive time means UTC."""

    def clean(self, raw: Any) -> datetime:
        text = _text(raw, "an ISO 8601 date string").strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                return datetime(day.year, day.month, day.day, tzinfo=UTC)
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise FieldProblem(ErrorCode.INVALID_FORMAT, "Must be an ISO 8601 date") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # an offset that moves it past year 1 or 9999
            raise FieldProblem(ErrorCode.INVALID_FORMAT,
                               "Must be an ISO 8601 date between years 1 and 9999 in UTC") from None


@frozen
class TagList:
    """A list of strings. In CSV: `a|b|c`, or a JSON array in the cell (`["a","b"]`)."""

    max_items: int = 100
    max_length: int = 100

    def clean(self, raw: Any) -> tuple[str, ...]:
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("["):
                try:
                    raw = json.loads(text)
                except (ValueError, RecursionError):  # deep nesting exhausts the parser
                    raise FieldProblem(ErrorCode.INVALID_FORMAT, "Invalid JSON array of tags") from None
            else:
                raw = [part for part in (p.strip() for p in text.split(TAG_SEPARATOR)) if part]
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            raise FieldProblem(ErrorCode.INVALID_TYPE, "Must be an array of strings")
        if len(raw) > self.max_items:
            raise FieldProblem(ErrorCode.TOO_LONG, f"At most {self.max_items} tags")
        tags = []
        for tag in raw:
            if not isinstance(tag, str):
                raise FieldProblem(ErrorCode.INVALID_TYPE, "Must be an array of strings")
            storable(tag)
            if len(tag) > self.max_length or TAG_SEPARATOR in tag:
                raise FieldProblem(
                    ErrorCode.INVALID_FORMAT,
                    f"Each tag must be at most {self.max_length} characters without '{TAG_SEPARATOR}'",
                )
            tags.append(tag)
        return tuple(tags)


FieldKind = Text | Pattern | Uuid | Choice | Boolean | Timestamp | TagList
