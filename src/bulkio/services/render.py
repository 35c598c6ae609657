"""The job view, written once: jobs and row errors in the API's camelCase shape.

The HTTP API answers with these structs, the OpenAPI document describes them, the CLI prints
them and webhooks POST them (`as_json`). Field names are the product contract's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from bulkio.formats.values import utc_text
from bulkio.domain.jobs import Job, JobKind, JobStatus, Phase
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.domain.webhooks import Delivery

Status = Literal[tuple(s.value for s in JobStatus)]  # type: ignore[valid-type]
PhaseName = Literal[tuple(p.value for p in Phase)]  # type: ignore[valid-type]
Code = Literal[tuple(c.value for c in ErrorCode)]  # type: ignore[valid-type]


class RowErrorView(msgspec.Struct, omit_defaults=True):
    """One row error; `line` (the physical line of a CSV row) only when known."""

    row: int
    field: str | None
    code: Code
    message: str
    value: Any
    line: int | None = None


class ImportMetrics(msgspec.Struct):
    rowsPerSecond: float
    errorRate: float
    durationMs: int


class ExportMetrics(msgspec.Struct):
    rowsPerSecond: float
    totalBytes: int
    durationMs: int


class WebhookDeliveryView(msgspec.Struct):
    """One attempt to deliver a job's webhook."""

    attempt: int
    at: str
    statusCode: int | None
    error: str | None
    delivered: bool


class _JobView(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Fields of both kinds; `callbackUrl` and `webhookDeliveries` (the attempts so far) only
    on a job that names a webhook (`omit_defaults` leaves them out otherwise)."""

    id: str
    kind: Literal["import", "export"]
    resourceType: str
    format: str | None
    status: Status
    phase: PhaseName
    totalRows: int
    processedRows: int
    progressPercentage: float
    etaSeconds: float | None
    failureReason: str | None
    attempts: int  # crashes pinned on the job (it ran alone), plus one while it runs
    runs: int  # claims, whatever ended them (hand-overs and outages cost no attempt)
    suspect: bool  # was running when a worker died: runs alone until it ends
    waitingFor: str | None  # the dependency a running job waits for, and why
    waitingSince: str | None
    startedAt: str | None
    completedAt: str | None
    createdAt: str
    updatedAt: str
    callbackUrl: str | None = None
    webhookDeliveries: list[WebhookDeliveryView] | None = None


class ImportJob(_JobView, kw_only=True):
    """An import job: the seed's fields, plus phase, ETA and the extras."""

    successfulRows: int
    failedRows: int
    skippedRows: int
    createdRows: int
    updatedRows: int
    dryRun: bool
    fileName: str | None
    fileUrl: str | None
    fileSize: int | None
    errors: list[RowErrorView]
    errorCount: int
    warnings: list[str]
    resumedFromRow: int | None
    metrics: ImportMetrics


class ExportJob(_JobView, kw_only=True):
    """An export job; `downloadUrl` is set once its file is ready."""

    exportedRows: int
    filters: dict[str, Any]
    fields: list[str] | None
    keepFormulas: bool  # a CSV file writes formula-like text raw instead of neutralized
    downloadUrl: str | None
    fileSize: int | None
    expiresAt: str | None
    metrics: ExportMetrics


class ImportJobPage(msgspec.Struct):
    items: list[ImportJob]
    nextCursor: str | None


class ExportJobPage(msgspec.Struct):
    items: list[ExportJob]
    nextCursor: str | None


class RowErrorPage(msgspec.Struct):
    errors: list[RowErrorView]
    offset: int
    limit: int
    total: int
    nextOffset: int | None


def iso(moment: datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a `Z`, or None."""
    return None if moment is None else instant(moment)


def instant(moment: datetime) -> str:
    """An instant as ISO 8601 in UTC with a `Z`, as every file bulkio writes shows it."""
    return utc_text(moment)


def row_error(error: RowError) -> RowErrorView:
    return RowErrorView(row=error.row, field=error.field, code=str(error.code),
                        message=error.message, value=error.value, line=error.line)


def delivery(attempt: Delivery) -> WebhookDeliveryView:
    return WebhookDeliveryView(attempt=attempt.attempt, at=instant(attempt.at),
                               statusCode=attempt.status_code, error=attempt.error,
                               delivered=attempt.delivered)


def _common(job: Job, now: datetime, deliveries: Sequence[Delivery]) -> dict[str, Any]:
    c, m = job.counters, job.metrics(now)
    webhook: dict[str, Any] = {}
    if job.callback_url:
        webhook = {"callbackUrl": job.callback_url,
                   "webhookDeliveries": [delivery(d) for d in deliveries]}
    return {**webhook,
        "id": job.id, "kind": str(job.kind), "resourceType": job.resource,
        "format": job.format or None, "status": str(job.status), "phase": str(job.phase),
        "totalRows": c.total, "processedRows": c.processed,
        "progressPercentage": job.progress(), "etaSeconds": m.eta_seconds,
        "failureReason": job.failure, "attempts": job.attempts, "runs": job.runs,
        "suspect": job.suspect, "waitingFor": job.waiting_for,
        "waitingSince": iso(job.waiting_since),
        "startedAt": iso(job.started_at), "completedAt": iso(job.completed_at),
        "createdAt": iso(job.created_at), "updatedAt": iso(job.updated_at),
    }


def import_job(job: Job, now: datetime, deliveries: Sequence[Delivery] = ()) -> ImportJob:
    """An import job as the API shows it, with its webhook's delivery attempts so far."""
    c, m = job.counters, job.metrics(now)
    return ImportJob(
        **_common(job, now, deliveries),
        successfulRows=c.successful, failedRows=c.failed, skippedRows=c.skipped,
        createdRows=c.created, updatedRows=c.updated, dryRun=job.dry_run,
        fileName=job.source_name, fileUrl=job.source_url, fileSize=job.source_size,
        errors=[row_error(e) for e in job.errors], errorCount=job.error_count,
        warnings=list(job.warnings), resumedFromRow=job.resumed_from or None,
        metrics=ImportMetrics(m.rows_per_second, m.error_rate, m.duration_ms),
    )


def export_job(job: Job, now: datetime, download_url: str | None = None,
               deliveries: Sequence[Delivery] = ()) -> ExportJob:
    """An export job as the API shows it; `download_url` where its file can be fetched."""
    c, m = job.counters, job.metrics(now)
    return ExportJob(
        **_common(job, now, deliveries),
        exportedRows=c.exported, filters=job.filters,
        fields=list(job.fields) if job.fields else None, keepFormulas=job.keep_formulas,
        downloadUrl=download_url,
        fileSize=c.bytes if job.result_key else None, expiresAt=iso(job.expires_at),
        metrics=ExportMetrics(m.rows_per_second, m.total_bytes, m.duration_ms),
    )


def job(job: Job, now: datetime, download_url: str | None = None,
        deliveries: Sequence[Delivery] = ()) -> ImportJob | ExportJob:
    """Either kind of job as the API shows it."""
    if job.kind is JobKind.IMPORT:
        return import_job(job, now, deliveries)
    return export_job(job, now, download_url, deliveries)


def as_json(view: Any) -> Any:
    """A view (or a list or dict holding views) as plain JSON values (dicts, lists, strings,
    numbers), ready for `json.dumps`."""
    return msgspec.to_builtins(view)
