"""Translation between domain values and table rows, both ways."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import cattrs

from bulkio.domain.fields import TagList, Timestamp
from bulkio.domain.jobs import Counters, Job, JobKind, JobStatus, Phase
from bulkio.domain.resources import Resource
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.domain.validation import Record

_converter = cattrs.Converter()
_SURROGATE = re.compile("[\ud800-\udfff]")

RECORD_TIMES = ("created_at", "updated_at")


def jsonable(value: Any) -> Any:
    """`value` with anything JSON cannot hold (dates, decimals, NaN, bytes...) turned into text."""
    if isinstance(value, str):
        # A lone surrogate has no UTF-8 form: stored text would fail to encode.
        return value.encode("utf-8", "replace").decode("utf-8") if _SURROGATE.search(value) else value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def to_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC for writing (naive means UTC, as `Timestamp.clean` reads it): SQLite stores
    the wall time and drops the offset; PostgreSQL's binary COPY takes only aware times."""
    if moment is None:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_db_time(moment: datetime | None) -> datetime | None:
    """Aware UTC for reading: SQLite hands back naive UTC, PostgreSQL the session's zone."""
    if moment is None or moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def error_to_json(error: RowError) -> dict[str, Any]:
    return {
        "row": error.row, "line": error.line, "field": error.field, "code": error.code.value,
        "message": error.message, "value": jsonable(error.value),
    }


def error_to_domain(row: Mapping[str, Any]) -> RowError:
    return RowError(
        row=row["row"], field=row["field"], code=ErrorCode(row["code"]), message=row["message"],
        value=row["value"], line=row["line"],
    )


def error_to_row(job_id: str, error: RowError, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"job_id": job_id, **error_to_json(error), "raw": None if raw is None else jsonable(raw)}


def job_to_row(job: Job) -> dict[str, Any]:
    return {
        "id": job.id, "kind": job.kind.value, "resource": job.resource, "format": job.format,
        "status": job.status.value, "phase": job.phase.value, "source": job.source,
        "source_name": job.source_name, "source_url": job.source_url,
        "callback_url": job.callback_url,
        "source_size": job.source_size, "dry_run": job.dry_run,
        "delimiter": job.delimiter, "keep_formulas": job.keep_formulas,
        "filters": jsonable(job.filters), "fields": None if job.fields is None else list(job.fields),
        "counters": counters_to_row(job.counters),
        "errors": [error_to_json(e) for e in job.errors], "error_count": job.error_count,
        "warnings": list(job.warnings), "failure": job.failure, "version": job.version,
        "locked_by": job.locked_by, "locked_at": to_utc(job.locked_at),
        "heartbeat_at": to_utc(job.heartbeat_at), "attempts": job.attempts,
        "runs": job.runs, "suspect": job.suspect, "alone": job.alone,
        "waiting_for": job.waiting_for, "waiting_since": to_utc(job.waiting_since),
        "checkpoint": job.checkpoint, "resumed_from": job.resumed_from,
        "parent_id": job.parent_id, "first_row": job.first_row, "last_row": job.last_row,
        "chunks": job.chunks,
        "started_at": to_utc(job.started_at), "run_started_at": to_utc(job.run_started_at),
        "completed_at": to_utc(job.completed_at),
        "result_key": job.result_key, "expires_at": to_utc(job.expires_at),
        "created_at": to_utc(job.created_at), "updated_at": to_utc(job.updated_at),
    }


def job_to_domain(row: Mapping[str, Any]) -> Job:
    return Job(
        id=row["id"], kind=JobKind(row["kind"]), resource=row["resource"], format=row["format"],
        created_at=from_db_time(row["created_at"]), updated_at=from_db_time(row["updated_at"]),
        status=JobStatus(row["status"]), phase=Phase(row["phase"]), source=row["source"],
        source_name=row["source_name"], source_url=row["source_url"],
        callback_url=row["callback_url"],
        source_size=row["source_size"], dry_run=row["dry_run"],
        delimiter=row["delimiter"], keep_formulas=row["keep_formulas"],
        filters=dict(row["filters"]),
        fields=None if row["fields"] is None else tuple(row["fields"]),
        counters=_converter.structure(row["counters"], Counters),
        # A summary read (the sweep's) leaves the growing documents out.
        errors=[error_to_domain(e) for e in row.get("errors") or ()],
        error_count=row["error_count"], warnings=list(row.get("warnings") or ()), failure=row["failure"], version=row["version"],
        locked_by=row["locked_by"], locked_at=from_db_time(row["locked_at"]),
        heartbeat_at=from_db_time(row["heartbeat_at"]), attempts=row["attempts"],
        runs=row["runs"], suspect=row["suspect"], alone=row["alone"],
        waiting_for=row["waiting_for"], waiting_since=from_db_time(row["waiting_since"]),
        checkpoint=row["checkpoint"], resumed_from=row["resumed_from"],
        parent_id=row["parent_id"], first_row=row["first_row"], last_row=row["last_row"],
        chunks=row["chunks"],
        started_at=from_db_time(row["started_at"]),
        run_started_at=from_db_time(row["run_started_at"]),
        completed_at=from_db_time(row["completed_at"]),
        result_key=row["result_key"], expires_at=from_db_time(row["expires_at"]),
    )


def record_to_row(resource: Resource, record: Mapping[str, Any], job: Job) -> dict[str, Any]:
    """A write as a row, its fields not carried at their defaults; the job's own time stamps
    it, since adapters never read a clock."""
    row: dict[str, Any] = {}
    for name, default in resource.defaults.items():
        value = record.get(name, default)
        if isinstance(value, datetime):
            value = to_utc(value)
        elif isinstance(value, tuple):
            value = list(value)
        row[name] = value
    written = to_utc(job.updated_at)
    row.update(created_at=written, updated_at=written, last_job_id=job.id)
    return row


def counters_to_row(counters: Counters) -> dict[str, int]:
    return _converter.unstructure(counters)


def record_tuples(resource: Resource, writes: Iterable[Record], job: Job) -> Iterator[tuple]:
    """Writes as value tuples in table column order (fields, created_at, updated_at,
    last_job_id), fields not carried at their defaults: the COPY path's hot loop, so
    conversions are looked up once, not per value."""
    stamp = (to_utc(job.updated_at),) * 2 + (job.id,)
    defaults = tuple(resource.defaults.items())
    converters = [
        (i, to_utc if isinstance(f.kind, Timestamp) else list)
        for i, f in enumerate(resource.fields) if isinstance(f.kind, Timestamp | TagList)
    ]
    for write in writes:
        values = [write.get(name, default) for name, default in defaults]
        for i, convert in converters:
            if values[i] is not None:
                values[i] = convert(values[i])
        yield (*values, *stamp)


def record_to_domain(resource: Resource, row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row in the exact form validation produces, so unchanged rows compare equal."""
    record: dict[str, Any] = {}
    for name in (*resource.field_names, *RECORD_TIMES):
        value = row[name]
        if isinstance(value, datetime):
            value = from_db_time(value)
        elif isinstance(value, list):
            value = tuple(value)
        record[name] = value
    return record
