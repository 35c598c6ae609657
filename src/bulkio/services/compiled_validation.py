"""A fast path for validation: each resource declaration compiled into a msgspec `Struct`.

msgspec checks a row's types and constraints in C (`msgspec.convert`). The Struct is derived
from the declaration (`bulkio.domain.resources`), which stays the single source of the rules,
and it only ever accepts rows the domain's `validate` accepts, with the same values; whatever it
is not sure of it leaves to `validate`, which explains a bad row with the usual row errors:

- keys must be the fields' own names (`validate` also matches `Author ID` or `authorId`);
- values must already be in their stored form: a canonical lowercase UUID, an unpadded pattern
  match (lowercase where the field is lowercased), one of the choices exactly, text that is not
  blank; text in CSV (`lax`) may spell a boolean as `validate` does (`true`, `0`...);
- timestamps and tags written as text go through the field's own `clean`, and the cross-field
  rules run on the record; a problem in either sends the row to `validate`;
- text must be storable (no NUL, no lone surrogate: `bulkio.domain.fields.storable`) and a key
  already in Unicode NFC (`Pattern`), or the row goes to `validate`.

`tests/unit/services/test_compiled_validation.py` holds the property: the fast path never
accepts a row `validate` refuses and never returns a value `validate` would not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cache
from typing import Annotated, Any, Literal

import msgspec

from bulkio.domain.fields import (
    TAG_SEPARATOR,
    Boolean,
    Choice,
    FieldKind,
    FieldProblem,
    Pattern,
    TagList,
    Text,
    Timestamp,
    Uuid,
    storable,
)
from bulkio.domain.resources import Field, Resource
from bulkio.domain.rows import ErrorCode
from bulkio.domain.validation import Record

UUID_TEXT = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # str(uuid.UUID(...))
IGNORED = ("created_at", "updated_at")  # what an export adds and `validate` ignores

UNSET = msgspec.UNSET  # a field the row does not carry
FastValidator = Callable[[Mapping[str, Any]], Record | None]


def _whole(regex: str, blank: bool) -> str:
    """A pattern for `re.search` that matches the whole value, unpadded, or a blank value."""
    body = f"(?!\\s)(?:{regex})(?<!\\s)"
    return f"^(?:{body}|\\s*)\\Z" if blank else f"^{body}\\Z"


def _text_meta(kind: Text, blank: bool) -> msgspec.Meta:
    limits = [n for n in (kind.max_length, kind.max_words and 2 * kind.max_words - 1) if n]
    # n words take at least 2n - 1 characters: a short enough text has few enough words.
    words = kind.min_words or 1
    pattern = f"(?:\\S+\\s+){{{words - 1}}}\\S"
    if blank:
        pattern = f"^\\s*\\Z|{pattern}"
    return msgspec.Meta(max_length=min(limits) if limits else None, pattern=pattern)


def _type(kind: FieldKind, blank: bool) -> Any:
    """The msgspec type of one field kind (`blank`: an optional field may be left blank)."""
    if isinstance(kind, Uuid):
        return Annotated[str, msgspec.Meta(pattern=_whole(UUID_TEXT, blank))]
    if isinstance(kind, Pattern):
        return Annotated[str, msgspec.Meta(max_length=kind.max_length,
                                           pattern=_whole(kind.regex, blank))]
    if isinstance(kind, Choice):
        return Literal[kind.choices]  # a blank choice is left to `validate`
    if isinstance(kind, Text):
        return Annotated[str, _text_meta(kind, blank)]
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Timestamp):
        return str
    if isinstance(kind, TagList):
        tag = Annotated[str, msgspec.Meta(max_length=kind.max_length,
                                          pattern=f"^[^{re.escape(TAG_SEPARATOR)}]*\\Z")]
        return Annotated[tuple[tag, ...], msgspec.Meta(max_length=kind.max_items)] | str
    raise TypeError(f"no fast path for field kind {kind!r}")


def _annotation(spec: Field, lax: bool) -> tuple[str, Any] | tuple[str, Any, Any]:
    if spec.required:
        return spec.name, _type(spec.kind, blank=False)
    kind = _type(spec.kind, blank=True)
    if lax:
        # CSV cells are text, never null (msgspec's lax mode would read "null" as None).
        return spec.name, kind | Literal[""] if kind is bool else kind, UNSET
    return spec.name, kind | None, UNSET


def _fixer(spec: Field) -> Callable[[Any], Any] | None:
    """What turns an accepted value into the stored one (None: nothing), or raises FieldProblem.
    A blank optional value becomes the default when the field is clearable, else `UNSET` (the
    row does not carry the field), as `validate` has it."""
    kind, optional = spec.kind, not spec.required
    blank = spec.default if spec.clearable else UNSET
    parse = kind.clean if isinstance(kind, Timestamp | TagList) else None  # their text forms
    lowercase = isinstance(kind, Pattern) and kind.lowercase
    key = isinstance(kind, Pattern)  # natural keys are stored in NFC
    free_text = isinstance(kind, Text | Pattern | TagList)  # (choices and UUIDs are ASCII)
    if parse is None and not free_text and not optional:
        return None

    def fix(value: Any) -> Any:
        if value is UNSET:
            return value
        if optional and (value is None or (type(value) is str and not value.strip())):
            return blank
        if free_text:
            for text in (value,) if type(value) is str else value:
                storable(text)
        if key and not unicodedata.is_normalized("NFC", value):
            raise FieldProblem(ErrorCode.INVALID_FORMAT, "not in NFC")
        if lowercase and value != value.lower():
            raise FieldProblem(ErrorCode.INVALID_FORMAT, "not in lowercase")
        return parse(value) if parse is not None and type(value) is str else value

    return fix


@cache
def compiled(resource: Resource, lax: bool = False) -> FastValidator:
    """The fast validator of `resource`: a clean record (the fields the row carries), or None
    for `validate` to decide.

    `lax` is for CSV, where every value is text (msgspec's non-strict conversion)."""
    struct = msgspec.defstruct(
        f"Fast{resource.name.title()}", [_annotation(spec, lax) for spec in resource.fields],
        forbid_unknown_fields=True, kw_only=True,
    )
    fixers = [(spec.name, fix) for spec in resource.fields if (fix := _fixer(spec)) is not None]
    rules, strict = resource.rules, not lax
    convert, asdict, failed = msgspec.convert, msgspec.structs.asdict, (msgspec.ValidationError, FieldProblem)

    def fast(values: Mapping[str, Any]) -> Record | None:
        if IGNORED[0] in values or IGNORED[1] in values:
            values = {k: v for k, v in values.items() if k not in IGNORED}
        try:
            record = asdict(convert(values, struct, strict=strict))
            for name, fix in fixers:
                value = fix(record[name])
                if value is UNSET:
                    del record[name]  # not carried by the row
                else:
                    record[name] = value
        except failed:
            return None  # unknown keys (another spelling of a column) included
        for rule in rules:
            if all(name in record for name in rule.reads) and rule.check(record) is not None:
                return None
        return record

    return fast


__all__ = ["FastValidator", "compiled"]
