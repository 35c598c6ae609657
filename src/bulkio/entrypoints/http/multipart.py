"""multipart/form-data read as it arrives: small fields are kept, the one file part is handed
on as a stream of chunks the moment it starts, so it goes to storage without being held.

Runs in a worker thread on the chunks `streaming.pump` hands over. The parser is the push
parser of the `multipart` package (the one Litestar itself uses).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from attrs import frozen
from multipart import MultipartError, MultipartSegment, ParserLimitReached, PushMultipartParser

from bulkio.entrypoints.http.problems import invalid
from bulkio.services.errors import MalformedBody

T = TypeVar("T")
FILE_FIELD = "file"
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 32
Event = MultipartSegment | bytes | None


@frozen
class FilePart:
    """The file part's headers (its body streams separately)."""

    filename: str | None
    content_type: str | None


def read_form(chunks: Iterator[bytes], boundary: str,
              on_file: Callable[[dict[str, str], FilePart, Iterator[bytes]], T],
              ) -> tuple[dict[str, str], FilePart | None, T | None]:
    """Read a whole form; `on_file(fields so far, part, body)` must consume the body it is given."""
    try:
        parser = PushMultipartParser(boundary, max_segment_count=MAX_PARTS)
    except MultipartError as err:
        raise MalformedBody(f"invalid multipart boundary: {err}") from None
    events = _events(parser, chunks)
    fields: dict[str, str] = {}
    part: FilePart | None = None
    outcome: T | None = None
    for event in events:
        if not isinstance(event, MultipartSegment):
            raise MalformedBody("unexpected data between form parts")
        if event.name == FILE_FIELD:
            if part is not None:
                raise invalid(FILE_FIELD, "send exactly one file, in the `file` field")
            part = FilePart(event.filename, event.content_type)
            body = _body(events)
            outcome = on_file(dict(fields), part, body)
            for _ in body:  # in case the consumer stopped short of the part's end
                pass
        elif event.filename is not None:
            raise invalid(event.name, "send exactly one file, in the `file` field")
        else:
            fields[event.name] = _text(event, _body(events))
    return fields, part, outcome


def _events(parser: PushMultipartParser, chunks: Iterator[bytes]) -> Iterator[Event]:
    try:
        for chunk in chunks:
            yield from parser.parse(chunk)
            if parser.closed:
                return
        parser.close()  # raises if the form ended before its closing boundary
    except ParserLimitReached as err:
        raise MalformedBody(f"the form has too many parts or too large headers: {err}") from None
    except MultipartError as err:
        raise MalformedBody(f"invalid multipart/form-data: {err}") from None


def _body(events: Iterator[Event]) -> Iterator[bytes]:
    for event in events:
        if event is None:
            return
        if not isinstance(event, bytes | bytearray):
            raise MalformedBody("a form part ended without its boundary")
        yield bytes(event)


def _text(segment: MultipartSegment, body: Iterator[bytes]) -> str:
    data = bytearray()
    for piece in body:
        data += piece
        if len(data) > MAX_FIELD_BYTES:
            raise invalid(segment.name, f"form field {segment.name!r} is longer than "
                                        f"{MAX_FIELD_BYTES:,} bytes")
    try:
        return data.decode(segment.charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise invalid(segment.name, f"form field {segment.name!r} is not valid text") from None
