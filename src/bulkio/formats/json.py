"""JSON imports: one top-level array of objects, streamed element by element with ijson.

A syntax error makes the rest of an array unreadable, so `precheck_json` parses the whole input
once (flat memory) before anything is written, and reports the byte where the parser notices
the error (the end of the offending token).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import ijson
import orjson

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats.source import CHUNK, Row, RowReader, Source, preview

try:
    _backend: Any = ijson.get_backend("yajl2_c")
    # yajl turns an escaped lone surrogate into "?"; the pure-Python backend keeps it as is.
    _CHECK_SURROGATES = False
except ImportError:  # pragma: no cover - the C backend ships in ijson's wheels
    _backend = ijson.get_backend("python")
    _CHECK_SURROGATES = True

# Bytes below 0x20 other than tab, LF and CR are never valid JSON (inside strings they must be
# escaped); yajl lets some through as whitespace, so they are refused here.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ERRORS = (ijson.JSONError, UnicodeDecodeError)
_KINDS = {ord("{"): "an object", ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean",
          ord("n"): "null"}


class _Checked:
    """The decompressed JSON text, refusing control bytes and knowing its offset."""

    def __init__(self, source: Source) -> None:
        self._data = source.data
        self.offset = 0

    def read(self, size: int = CHUNK) -> bytes:
        chunk = self._data.read(size)
        if (bad := _CONTROL.search(chunk)) is not None:
            at = self.offset + bad.start()
            raise SourceUnreadable(f"invalid JSON at byte {at}: control character {chunk[bad.start()]:#04x}")
        self.offset += len(chunk)
        return chunk


def _reason(err: Exception) -> str:
    """The first line of a parser error (yajl adds a picture of the spot, sometimes as bytes)."""
    if isinstance(err, UnicodeDecodeError):
        return "text is not valid UTF-8"
    detail = err.args[0] if err.args else ""
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", errors="replace")
    lines = str(detail).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(err).__name__


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def _text_of(value: Any) -> str:
    try:
        return preview(orjson.dumps(value))
    except orjson.JSONEncodeError:
        return preview(repr(value))


def _has_lone_surrogate(value: Any) -> bool:
    """True when an escaped half of a surrogate pair (valid JSON, invalid text) hides in `value`."""
    try:
        orjson.dumps(value)
        return False
    except orjson.JSONEncodeError:
        pass  # a surrogate, an integer beyond 64 bits or deep nesting: look closer
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _rows(text: _Checked, columns: list[str]) -> Iterator[Row]:
    known: set[str] = set()
    number = 0
    items = _backend.items(text, "item", use_float=True, buf_size=CHUNK)
    try:
        for value in items:
            number += 1
            if type(value) is not dict:
                message = f"element {number} is not a JSON object (found {_kind(value)})"
                yield MalformedRow(number, message, _text_of(value))
            elif _CHECK_SURROGATES and _has_lone_surrogate(value):
                yield MalformedRow(number, "element holds an invalid \\u escape (a lone surrogate)")
            else:
                if not known.issuperset(value):
                    fresh = [key for key in value if key not in known]
                    columns.extend(fresh)
                    known.update(fresh)
                yield SourceRow(number, value)
    except _ERRORS as err:
        raise SourceUnreadable(f"invalid JSON after element {number}: {_reason(err)}") from err


def read_json(source: Source) -> RowReader:
    """Rows of a JSON array of objects; anything but an array at the top is refused at once."""
    first = source.first_significant_byte()
    if first is None:
        raise SourceUnreadable("the file is empty")
    if first != ord("["):
        found = _KINDS.get(first, "a number" if first in b"-0123456789" else "text that is not JSON")
        raise SourceUnreadable(f"a JSON import must be an array of objects; found {found}")
    columns: list[str] = []
    return RowReader(_rows(_Checked(source), columns), source, columns)


def _first_failure(text: _Checked) -> tuple[int, str] | None:
    """Parse in chunks; on failure return where the failing chunk starts, and why."""
    events = ijson.sendable_list()
    parser = _backend.basic_parse_coro(events, use_float=True)
    start = 0
    try:
        while chunk := text.read(CHUNK):
            start = text.offset - len(chunk)
            parser.send(chunk)
            events.clear()  # only the verdict matters: keep memory flat
        start = text.offset
        parser.close()
    except _ERRORS as err:
        return start, _reason(err)
    return None


def _exact_offset(text: _Checked, chunk_start: int) -> int:
    """Parse again, byte by byte from `chunk_start`, to find the offset where parsing fails."""
    events = ijson.sendable_list()
    parser = _backend.basic_parse_coro(events, use_float=True)
    try:
        while text.offset < chunk_start:
            parser.send(text.read(min(CHUNK, chunk_start - text.offset)))
            events.clear()
        while byte := text.read(1):
            parser.send(byte)
    except _ERRORS:
        return text.offset - 1
    return text.offset  # every byte was accepted: the text ends too early


def precheck_json(open_stream: Callable[[], BinaryIO]) -> None:
    """Raise `SourceUnreadable` with the byte offset if the input is not well-formed JSON."""
    with open_stream() as stream:
        source = Source(stream)
        source.skip_bom()
        if source.data.peek(1) == b"":
            raise SourceUnreadable("the file is empty")
        failure = _first_failure(_Checked(source))
    if failure is None:
        return
    chunk_start, reason = failure
    with open_stream() as stream:
        source = Source(stream)
        source.skip_bom()
        at = _exact_offset(_Checked(source), chunk_start)
    raise SourceUnreadable(f"invalid JSON at byte {at}: {reason}")
