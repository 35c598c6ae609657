"""JSON imports: one top-level array of objects, streamed element by element with ijson.

A syntax error makes the rest of an array unreadable, so `precheck_json` parses the whole input
once (flat memory) before anything is written, and reports the byte where the parser notices
the error (the end of the offending token).

Numbers are read exactly (`use_float=False`): an integer as itself, whatever its size (up to
Python's 4,300-digit conversion limit; a longer one makes the array unreadable), and a number
with a fraction or an exponent as the text of its exact value (`1.10` stays `1.10`; `1e5` reads
`1E+5`), since a number where text is expected is read as its text.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import ijson
import orjson

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow, SourceRow
from bulkio.formats.limits import DEFAULT_LIMITS, ReadLimits
from bulkio.formats.shape import CUT_MARK, EventShape, shape_problem
from bulkio.formats.source import CHUNK, Row, RowReader, Source, preview

try:
    _backend: Any = ijson.get_backend("yajl2_c")
    # yajl would turn an escaped lone surrogate into "?": `_Checked` hands it NUL instead
    # (`_lone_surrogates`); the pure-Python backend keeps a lone surrogate as it is.
    _CHECK_SURROGATES = False
except ImportError:  # pragma: no cover - the C backend ships in ijson's wheels
    _backend = ijson.get_backend("python")
    _CHECK_SURROGATES = True

# Bytes below 0x20 other than tab, LF and CR are never valid JSON (inside strings they must be
# escaped); yajl lets some through as whitespace, so they are refused here.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# An escaped half of a surrogate pair, and the halves on their own (JSON's `\u` is lowercase).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_HIGH_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_LOW_ESCAPE = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_NUL_ESCAPE = b"\\u0000"
_ESCAPED_QUOTE = re.compile(rb'(\\+)"')
_CUT_BYTES = CUT_MARK.encode("utf-8")
ESCAPED_BYTES = 6
_WHOLE_ESCAPES = 64  # reads larger than this never end inside an escape (not the byte search)
_SEPARATORS = tuple(bytes([c]) for c in b' \t\r\n[]{},:"')
_TOKEN_HEAD = re.compile(rb'[^ \t\r\n\[\]{},:"]*')


@functools.lru_cache(maxsize=8)
def _long_token(limit: int) -> re.Pattern[bytes]:
    return re.compile(rb'[^ \t\r\n\[\]{},:"]{%d}' % (limit + 1))
# An integer past Python's 4,300-digit conversion limit: a ValueError, which the C backend's
# callbacks raise as a SystemError around it.
# A number whose exponent is past what `Decimal` holds: an ArithmeticError.
_ERRORS = (ijson.JSONError, UnicodeDecodeError, ValueError, SystemError, ArithmeticError)
_KINDS = {ord("{"): "an object", ord('"'): "a string", ord("t"): "a boolean", ord("f"): "a boolean",
          ord("n"): "null"}


class _Checked:
    """The decompressed JSON text as the parser gets it: control bytes refused, and every string
    longer than `max_value` cut short and marked (`CUT_MARK`), so no token the parser buffers
    (and no value it builds) outgrows the limit; `offset` counts the bytes read."""

    def __init__(self, source: Source) -> None:
        self._data = source.data
        # A character is at most six bytes of JSON (`\u0001`): strings are cut past that many
        # bytes, and the value built from what is left is then measured in characters.
        self._limit = ESCAPED_BYTES * source.limits.max_value
        self._notice = source.limits.max_value
        # Where the last string that may be over `max_value` was read: elements parsed near it
        # are measured (depth and values were measured by the precheck).
        self.noticed = -(2**62)
        self._long_token = _long_token(self._limit)
        self._token = 0  # bytes of the number or literal that the last chunk ended in
        self.offset = 0
        self._in_string = False
        self._skipping = False  # inside a cut string: drop bytes until it closes
        self._run = 0  # bytes since the last quote that starts or ends a string
        self._backslashes = 0  # backslashes right before the next byte
        self._tail = b""  # the last bytes read (an escape before the next read's first)

    def read(self, size: int = CHUNK) -> bytes:
        while True:  # a chunk wholly inside a cut string gives nothing: that is not the end
            before = self.offset
            out = self._read(size)
            if out or self.offset == before:
                return out

    def _read(self, size: int) -> bytes:
        chunk = self._data.read(size)
        if size > _WHOLE_ESCAPES and b"\\" in chunk[-5:]:
            chunk += self._data.read(5)  # never end inside an escape: see `_lone_surrogates`
        if b"\\u" in chunk:
            chunk = self._lone_surrogates(chunk)
        self._tail = chunk[-6:]
        if (bad := _CONTROL.search(chunk)) is not None:
            at = self.offset + bad.start()
            raise SourceUnreadable(f"invalid JSON at byte {at}: control character {chunk[bad.start()]:#04x}")
        if self._run + len(chunk) > self._notice:
            self.noticed = self.offset
        if self._skipping or self._run + len(chunk) > self._limit:
            out = self._cut(chunk)
        else:
            out = chunk
            self._follow(chunk)
            self._token = 0  # no token in it can be long; a tail is forgiven (under a chunk)
        self.offset += len(chunk)
        trailing = len(chunk) - len(chunk.rstrip(b"\\"))
        self._backslashes = self._backslashes + trailing if trailing == len(chunk) else trailing
        return out

    def _lone_surrogates(self, chunk: bytes) -> bytes:
        """`chunk` with each escaped lone half of a surrogate pair written `\\u0000` instead
        (as long): yajl would turn it into `?` or call the text not UTF-8, while NUL reaches
        validation, which refuses the row as `invalid_character`, as for an NDJSON file. A read
        of more than `_WHOLE_ESCAPES` bytes never ends inside an escape (`_read`), and the bytes
        around an escape at either end are taken from the read before or peeked at."""
        found = [m.start() for m in _SURROGATE_ESCAPE.finditer(chunk)
                 if not self._escaped(chunk, m.start())]
        if not found:
            return chunk
        out = bytearray(chunk)
        for at in found:
            if _HIGH_ESCAPE.match(chunk, at):
                after = chunk[at + 6:at + 12]
                if len(after) < 6:
                    after = (after + self._data.peek(6))[:6]
                paired = _LOW_ESCAPE.fullmatch(after) is not None
            else:
                before = (self._tail + chunk[:at])[-6:]
                paired = _HIGH_ESCAPE.fullmatch(before) is not None
            if not paired:
                out[at:at + 6] = _NUL_ESCAPE
        return bytes(out)

    def _follow(self, chunk: bytes) -> None:
        """The string state after `chunk` when no string in it can reach the limit (C speed)."""
        quotes = chunk.count(b'"')
        if not quotes:
            self._run += len(chunk)
            return
        escaped = chunk.startswith(b'"') and self._backslashes % 2
        escaped += sum(len(m.group(1)) % 2 for m in _ESCAPED_QUOTE.finditer(chunk))
        if (quotes - escaped) % 2:
            self._in_string = not self._in_string
        last = self._quote_before(chunk, len(chunk))
        self._run = len(chunk) - last - 1 if last >= 0 else self._run + len(chunk)

    def _escaped(self, chunk: bytes, at: int) -> bool:
        """Whether the byte at `at` follows an odd number of backslashes."""
        count = 0
        while at - count - 1 >= 0 and chunk[at - count - 1] == 0x5C:
            count += 1
        if count == at:
            count += self._backslashes
        return count % 2 == 1

    def _quote_before(self, chunk: bytes, end: int) -> int:
        at = chunk.rfind(b'"', 0, end)
        while at >= 0 and self._escaped(chunk, at):
            at = chunk.rfind(b'"', 0, at)
        return at

    def _quote_after(self, chunk: bytes, start: int) -> int:
        at = chunk.find(b'"', start)
        while at >= 0 and self._escaped(chunk, at):
            at = chunk.find(b'"', at + 1)
        return at

    def _safe_cut(self, chunk: bytes, start: int, end: int) -> int | None:
        """A place in [start, end) to cut a string: between characters, not inside an escape."""
        for at in range(start, min(end, start + 8)):
            if chunk[at] & 0xC0 != 0x80 and not self._escaped(chunk, at):
                return at
        return None

    def _check_tokens(self, piece: bytes, at: int) -> None:
        """Refuse a number or literal longer than the limit (the parser would buffer it)."""
        head = _TOKEN_HEAD.match(piece).end()  # type: ignore[union-attr]
        if self._token + head > self._limit or self._long_token.search(piece):
            raise SourceUnreadable(f"invalid JSON at byte {self.offset + at}: a number or word "
                                   f"longer than {self._limit:,} bytes")
        last = max(piece.rfind(separator) for separator in _SEPARATORS)
        self._token = self._token + head if head == len(piece) else len(piece) - last - 1

    def _cut(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        pos, size = 0, len(chunk)
        while pos < size:
            quote = self._quote_after(chunk, pos)
            end = size if quote < 0 else quote
            if self._skipping:
                if quote < 0:
                    break
                self._skipping = False
            elif not self._in_string:
                self._check_tokens(chunk[pos:end], pos)
                out.append(chunk[pos:end])
                self._run += end - pos
            else:
                room = self._limit - self._run
                cut = None
                if end - pos > room:
                    cut = self._safe_cut(chunk, pos + max(room, 0), end)
                if cut is not None:
                    out += (chunk[pos:cut], _CUT_BYTES)
                    self._skipping, pos = True, cut
                    continue
                out.append(chunk[pos:end])
                self._run += end - pos
            if quote < 0:
                break
            out.append(b'"')
            self._in_string, self._run, self._token, pos = not self._in_string, 0, 0, quote + 1
        return b"".join(out)


def _reason(err: Exception) -> str:
    """The first line of a parser error (yajl adds a picture of the spot, sometimes as bytes)."""
    if isinstance(err, UnicodeDecodeError):
        return "text is not valid UTF-8"
    if isinstance(err, ArithmeticError):
        return "a number whose exponent is out of range"
    if isinstance(err, ValueError | SystemError) and not isinstance(err, ijson.JSONError):
        return "an integer longer than 4,300 digits"
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
    if isinstance(value, int | float | Decimal):
        return "a number"
    return "a string" if isinstance(value, str) else "an array"


def _text_of(value: Any) -> str:
    try:
        return preview(orjson.dumps(value, default=str))
    except orjson.JSONEncodeError:
        return preview(repr(value))


def _numbers_as_text(value: dict[str, Any]) -> dict[str, Any]:
    """`value` with each `Decimal` (a number with a fraction or an exponent), at the top or in a
    list at the top, as the text of its exact value."""
    for key, item in value.items():
        if type(item) is Decimal:
            value[key] = str(item)
        elif type(item) is list and any(type(i) is Decimal for i in item):
            value[key] = [str(i) if type(i) is Decimal else i for i in item]
    return value


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


def _rows(text: _Checked, columns: list[str], limits: ReadLimits) -> Iterator[Row]:
    known: set[str] = set()
    number = 0
    items = _backend.items(text, "item", use_float=False, buf_size=CHUNK)
    try:
        for value in items:
            number += 1
            if type(value) is not dict:
                message = f"element {number} is not a JSON object (found {_kind(value)})"
                yield MalformedRow(number, message, _text_of(value))
            elif (len(value) > limits.max_columns or text.offset - text.noticed <= 2 * CHUNK) \
                    and (problem := shape_problem(value, limits)) is not None:
                yield MalformedRow(number, problem[0], preview(problem[1]) or None)
            elif _CHECK_SURROGATES and _has_lone_surrogate(value):
                yield MalformedRow(number, "element holds an invalid \\u escape (a lone surrogate)")
            else:
                value = _numbers_as_text(value)
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
    return RowReader(_rows(_Checked(source), columns, source.limits), source, columns)


def _first_failure(text: _Checked, limits: ReadLimits) -> tuple[int, str] | None:
    """Parse in chunks; on failure return where the failing chunk starts, and why. An element
    over the depth or values limit raises `SourceUnreadable` (it would be built whole)."""
    events = ijson.sendable_list()
    parser = _backend.basic_parse_coro(events, use_float=False)
    shape = EventShape(limits, level=1)
    start = 0
    try:
        while True:
            start = text.offset
            if not (chunk := text.read(CHUNK)):
                break
            parser.send(chunk)
            if (problem := shape.feed(events)) is not None:
                raise SourceUnreadable(f"{problem}: the array cannot be read")
            events.clear()  # only the verdict matters: keep memory flat
        start = text.offset
        parser.close()
    except _ERRORS as err:
        return start, _reason(err)
    return None


# The failing chunk is searched twice: in pieces of this many bytes, then byte by byte within
# the piece that failed. The parser lexes a token again from its start on every send while it
# is incomplete, so byte-by-byte sends across a long token (a number of 100,000 digits) cost its
# length squared; this way a search costs at most about `_PIECE` times the longest token.
_PIECE = 256


def _refused_at(text: _Checked, start: int, step: int) -> int:
    """Parse again from the start, at once up to `start`, then in `step`-byte sends: the
    offset of the first send the parser refuses (of the refused byte when `step` is 1), or
    the end of the text when it refuses none (the text ends too early)."""
    events = ijson.sendable_list()
    parser = _backend.basic_parse_coro(events, use_float=False)
    try:
        while text.offset < start:
            parser.send(text.read(min(CHUNK, start - text.offset)))
            events.clear()
        while True:
            at = text.offset
            if not (piece := text.read(step)):
                return text.offset
            parser.send(piece)
            events.clear()
    except _ERRORS:
        return text.offset - 1 if step == 1 else at


def precheck_json(open_stream: Callable[[], BinaryIO], limits: ReadLimits = DEFAULT_LIMITS) -> None:
    """Raise `SourceUnreadable` with the byte offset if the input is not well-formed JSON, or
    with the element if one nests deeper or holds more values than `limits` allow."""
    with open_stream() as stream:
        source = Source(stream, limits)
        source.skip_bom()
        if source.data.peek(1) == b"":
            raise SourceUnreadable("the file is empty")
        failure = _first_failure(_Checked(source), limits)
    if failure is None:
        return
    at, reason = failure
    for step in (_PIECE, 1):  # the piece that fails, then the byte
        with open_stream() as stream:
            source = Source(stream, limits)
            source.skip_bom()
            at = _refused_at(_Checked(source), at, step)
    raise SourceUnreadable(f"invalid JSON at byte {at}: {reason}")
