from __future__ import annotations

import gzip

import pytest

from bulkio.domain.errors import SourceUnreadable, UnsupportedFormat
from bulkio.formats import Format, content_type, detect_format, extension


@pytest.mark.parametrize(
    ("explicit", "expected"),
    [("csv", Format.CSV), ("CSV", Format.CSV), ("ndjson", Format.NDJSON), ("jsonl", Format.NDJSON),
     (" Json ", Format.JSON)],
)
def test_explicit_format_wins_when_given(explicit: str, expected: Format) -> None:
    assert detect_format(explicit, "users.csv", b"[{}]") is expected


def test_unsupported_format_is_raised_when_explicit_name_is_unknown() -> None:
    with pytest.raises(UnsupportedFormat, match="xml"):
        detect_format("xml", "users.csv", b"a,b\n")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("users.csv", Format.CSV), ("USERS.CSV.GZ", Format.CSV), ("a.ndjson", Format.NDJSON),
     ("a.jsonl.gz", Format.NDJSON), ("a.json", Format.JSON), ("a.json.gz", Format.JSON)],
)
def test_extension_decides_when_no_format_is_given(filename: str, expected: Format) -> None:
    assert detect_format(None, filename, b"") is expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'\xef\xbb\xbf \n [{"a": 1}]', Format.JSON),
        (b'{"a": 1}\n{"a": 2}\n', Format.NDJSON),
        (b'{"a": 1}', Format.NDJSON),
        (b'{"a": 1, "b": "cut off by the', Format.NDJSON),
        (b'{\n  "a": 1\n}\n', Format.JSON),
        (b"email,name\nann@example.com,Ann\n", Format.CSV),
        (gzip.compress(b"email,name\n" * 1000)[:40], Format.CSV),
        (gzip.compress(b'[{"a": 1}]'), Format.JSON),
    ],
)
def test_first_bytes_decide_when_name_says_nothing(head: bytes, expected: Format) -> None:
    assert detect_format(None, "upload.txt", head) is expected


def test_unsupported_format_is_raised_when_first_bytes_are_ambiguous() -> None:
    with pytest.raises(UnsupportedFormat, match="cannot tell the format"):
        detect_format(None, None, b"just some words\n")


@pytest.mark.parametrize("head", [b"", b"  \n\t", b"\xef\xbb\xbf", gzip.compress(b"")])
def test_source_unreadable_is_raised_when_file_is_empty(head: bytes) -> None:
    with pytest.raises(SourceUnreadable, match="empty"):
        detect_format(None, None, head)


def test_source_unreadable_is_raised_when_gzip_head_is_corrupt() -> None:
    with pytest.raises(SourceUnreadable, match="gzip"):
        detect_format(None, None, b"\x1f\x8b\x08\x00garbage-garbage-garbage")


@pytest.mark.parametrize(
    ("fmt", "media", "suffix"),
    [(Format.CSV, "text/csv; charset=utf-8", ".csv"),
     (Format.NDJSON, "application/x-ndjson", ".ndjson"),
     (Format.JSON, "application/json", ".json")],
)
def test_media_type_and_extension_match_when_format_is_known(fmt: Format, media: str, suffix: str) -> None:
    assert content_type(fmt) == media
    assert extension(fmt) == suffix
