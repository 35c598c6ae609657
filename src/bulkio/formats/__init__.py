"""Files in and out: detect a format, stream rows from CSV, NDJSON or JSON, write records back.

Reading never holds a whole file: rows stream from a (possibly gzip) byte stream and a broken row
becomes a `MalformedRow`; only an input that cannot be read at all raises `SourceUnreadable`.
"""

from __future__ import annotations

from bulkio.formats.detect import detect_format, sniff
from bulkio.formats.format import Format, content_type, extension
from bulkio.formats.reading import open_rows, precheck
from bulkio.formats.reports import ERROR_COLUMNS, encode_error_report
from bulkio.formats.source import Row, RowReader
from bulkio.formats.writers import encode

__all__ = [
    "ERROR_COLUMNS",
    "Format",
    "Row",
    "RowReader",
    "content_type",
    "detect_format",
    "encode",
    "encode_error_report",
    "extension",
    "open_rows",
    "precheck",
    "sniff",
]
