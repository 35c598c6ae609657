"""Gherkin tables and files in and out: records as text, files in the formats bulkio reads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


def rows_of(datatable: Sequence[Sequence[str]]) -> list[dict[str, str]]:
    """A data table with a header row as a list of dicts."""
    header, *body = datatable
    return [dict(zip(header, row, strict=True)) for row in body]


def text_of(value: Any) -> str:
    """How a stored or exported value reads in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    if isinstance(value, list | tuple):
        return "|".join(text_of(v) for v in value)
    return str(value)


def projected(records: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> list[dict[str, str]]:
    """The records' `columns` as text, in a stable order."""
    rows = [{c: text_of(r.get(c)) for c in columns} for r in records]
    return sorted(rows, key=lambda r: [r[c] for c in columns])


def expected(datatable: Sequence[Sequence[str]]) -> tuple[list[str], list[dict[str, str]]]:
    rows = rows_of(datatable)
    columns = list(datatable[0])
    return columns, sorted(rows, key=lambda r: [r[c] for c in columns])


def _typed(column: str, cell: str) -> Any:
    """A data-table cell as JSON would carry it: booleans, lists of tags, null for blank."""
    if cell == "":
        return None
    if cell in ("true", "false"):
        return cell == "true"
    if column == "tags":
        return cell.split("|")
    return cell


def encode_table(datatable: Sequence[Sequence[str]], fmt: str) -> bytes:
    """A data table as a csv, ndjson or json file."""
    rows = rows_of(datatable)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(datatable[0])
        writer.writerows([row[c] for c in datatable[0]] for row in rows)
        return out.getvalue().encode("utf-8")
    objects = [{k: _typed(k, v) for k, v in row.items() if v != ""} for row in rows]
    if fmt == "ndjson":
        return b"".join(json.dumps(o).encode("utf-8") + b"\n" for o in objects)
    if fmt == "json":
        return json.dumps(objects, indent=2).encode("utf-8")
    raise ValueError(f"no such format in these specs: {fmt}")


def decode_file(data: bytes, fmt: str) -> list[dict[str, Any]]:
    """The records of an exported file or error report."""
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    if fmt == "ndjson":
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    if fmt == "json":
        return json.loads(data)
    raise ValueError(f"no such format in these specs: {fmt}")


def columns_of(data: bytes, fmt: str) -> list[str]:
    """The column names of a file, in order (for JSON: the keys of its first record)."""
    if fmt == "csv":
        return next(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    first = decode_file(data, fmt)[0]
    return list(first)


def encode_records(records: Sequence[Mapping[str, Any]], fmt: str) -> bytes:
    """Records (dicts) written as a csv, ndjson or json file."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows({k: text_of(v) if not isinstance(v, str) else v for k, v in r.items()}
                         for r in records)
        return out.getvalue().encode("utf-8")
    if fmt == "ndjson":
        return b"".join(json.dumps(r).encode("utf-8") + b"\n" for r in records)
    return json.dumps(list(records)).encode("utf-8")
