"""The streaming form reader: fields in any order, the file handed on as it arrives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bulkio.domain.errors import InvalidRequest
from bulkio.entrypoints.http.multipart import FilePart, read_form
from bulkio.services.errors import MalformedBody

BOUNDARY = "----bulkio-boundary"


def form(*parts: tuple[str, str | None, bytes], closed: bool = True) -> bytes:
    body = b""
    for name, filename, value in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
    return body + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def keep(fields: dict[str, str], part: FilePart, body: Iterator[bytes]) -> tuple[dict, bytes]:
    return dict(fields), b"".join(body)


CSV = b"email,name,role\r\njohn@example.com,John Doe,admin\r\n" * 50


@pytest.mark.parametrize("size", [1, 7, 64, 100_000])
def test_file_and_fields_are_read_whatever_the_chunk_size(size: int) -> None:
    data = form(("resourceType", None, b"users"), ("file", "users.csv", CSV), ("dryRun", None, b"true"))

    fields, part, (seen_before_file, content) = read_form(pieces(data, size), BOUNDARY, keep)

    assert fields == {"resourceType": "users", "dryRun": "true"}
    assert part == FilePart("users.csv", None)
    assert seen_before_file == {"resourceType": "users"}
    assert content == CSV


def test_file_is_handed_on_when_it_comes_before_the_fields() -> None:
    data = form(("file", "users.csv", CSV), ("resourceType", None, b"users"))

    fields, part, (seen_before_file, content) = read_form(pieces(data, 1000), BOUNDARY, keep)

    assert seen_before_file == {}
    assert fields == {"resourceType": "users"}
    assert content == CSV


def test_file_is_streamed_not_collected_when_it_is_large() -> None:
    big = b"x" * (5 * 1024 * 1024)
    largest: list[int] = []

    def measure(fields: dict[str, str], part: FilePart, body: Iterator[bytes]) -> int:
        total = 0
        for piece in body:
            largest.append(len(piece))
            total += len(piece)
        return total

    _, _, total = read_form(pieces(form(("file", "big.ndjson", big)), 65536), BOUNDARY, measure)

    assert total == len(big)
    assert max(largest) <= 2 * 65536


def test_form_is_malformed_when_it_ends_before_its_closing_boundary() -> None:
    data = form(("resourceType", None, b"users"), ("file", "users.csv", CSV), closed=False)

    with pytest.raises(MalformedBody):
        read_form(pieces(data, 4096), BOUNDARY, keep)


def test_form_is_refused_when_it_has_two_files() -> None:
    data = form(("file", "a.csv", CSV), ("file", "b.csv", CSV))

    with pytest.raises(InvalidRequest) as caught:
        read_form(pieces(data, 4096), BOUNDARY, keep)
    assert caught.value.errors[0]["field"] == "file"  # type: ignore[attr-defined]


def test_form_is_refused_when_a_field_is_too_long() -> None:
    data = form(("resourceType", None, b"u" * 100_000), ("file", "a.csv", CSV))

    with pytest.raises(InvalidRequest):
        read_form(pieces(data, 4096), BOUNDARY, keep)


def test_form_without_a_file_has_no_part() -> None:
    fields, part, outcome = read_form(pieces(form(("resourceType", None, b"users")), 10), BOUNDARY, keep)

    assert (fields, part, outcome) == ({"resourceType": "users"}, None, None)


def test_garbage_is_malformed() -> None:
    with pytest.raises(MalformedBody):
        read_form(iter([b"this is not a form at all, there is no boundary in sight"]), BOUNDARY, keep)
