"""The file formats bulkio reads and writes, with their media types and file extensions."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    """A file format for imports, exports and error reports."""

    CSV = "csv"
    NDJSON = "ndjson"
    JSON = "json"


_CONTENT_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.NDJSON: "application/x-ndjson",
    Format.JSON: "application/json",
}


def content_type(fmt: Format) -> str:
    """The media type to send with a file of this format."""
    return _CONTENT_TYPES[fmt]


def extension(fmt: Format) -> str:
    """The file name extension (with its dot) for this format."""
    return f".{fmt.value}"
