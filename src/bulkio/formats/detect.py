"""Which format an input is in: as the caller says, else by file name, else by its first bytes."""

from __future__ import annotations

import zlib

from bulkio.domain.errors import SourceUnreadable, UnsupportedFormat
from bulkio.formats.delimiter import DELIMITERS
from bulkio.formats.format import Format
from bulkio.formats.source import GZIP_MAGIC, JSON_WHITESPACE, UTF8_BOM

_NAMES = {"csv": Format.CSV, "ndjson": Format.NDJSON, "jsonl": Format.NDJSON, "json": Format.JSON}
_EXTENSIONS = {".csv": Format.CSV, ".ndjson": Format.NDJSON, ".jsonl": Format.NDJSON, ".json": Format.JSON}


def detect_format(explicit: str | None, filename: str | None, head: bytes) -> Format:
    """The format of an input from an explicit name, a file name or the first bytes (`head`)."""
    if explicit is not None and explicit.strip():
        try:
            return _NAMES[explicit.strip().lower().lstrip(".")]
        except KeyError:
            raise UnsupportedFormat(
                f"unsupported format {explicit!r}: use csv, ndjson (or jsonl) or json",
                field="format",
            ) from None
    if filename:
        name = filename.strip().lower()
        name = name.removesuffix(".gz")
        for suffix, fmt in _EXTENSIONS.items():
            if name.endswith(suffix):
                return fmt
    return sniff(head)


def _gunzip_head(head: bytes) -> bytes:
    try:
        # wbits 31: a gzip header; a truncated head decompresses as far as it goes.
        return zlib.decompressobj(wbits=31).decompress(head)
    except zlib.error as err:
        raise SourceUnreadable(f"the file looks gzip-compressed but cannot be decompressed: {err}") from err


def sniff(head: bytes) -> Format:
    """The format suggested by the first bytes of an input (gzip is looked through)."""
    if head.startswith(GZIP_MAGIC):
        head = _gunzip_head(head)
    text = head.removeprefix(UTF8_BOM).lstrip(JSON_WHITESPACE)
    if not text:
        raise SourceUnreadable("the file is empty")
    if text.startswith(b"["):
        return Format.JSON
    first_line, newline, _ = text.partition(b"\n")
    if text.startswith(b"{"):
        if not newline or first_line.rstrip().endswith(b"}"):
            return Format.NDJSON
        # A brace alone on its line is a pretty-printed object: let the JSON reader name it.
        return Format.JSON
    if any(d.encode() in first_line for d in DELIMITERS):
        return Format.CSV  # an Excel `sep=;` line counts too
    raise UnsupportedFormat(
        "cannot tell the format of the file: name it with a .csv, .ndjson or .json extension, "
        "or give the format explicitly"
    )
