"""Jobs and row errors as JSON-ready dicts in the API's camelCase shape (shared by the CLI, the
HTTP API and webhook bodies)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bulkio.domain.jobs import Job, JobKind
from bulkio.domain.rows import RowError
from bulkio.domain.webhooks import Delivery


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def row_error(error: RowError) -> dict[str, Any]:
    shown = {"row": error.row, "field": error.field, "code": str(error.code),
             "message": error.message, "value": error.value}
    if error.line is not None:
        shown["line"] = error.line
    return shown


def delivery(attempt: Delivery) -> dict[str, Any]:
    return {"attempt": attempt.attempt, "at": iso(attempt.at), "statusCode": attempt.status_code,
            "error": attempt.error, "delivered": attempt.delivered}


def job(job: Job, now: datetime, download_url: str | None = None,
        deliveries: Sequence[Delivery] = ()) -> dict[str, Any]:
    """The job as the API shows it (the seed's fields, plus phase, ETA and the extras; with a
    webhook, its `callbackUrl` and the delivery attempts so far)."""
    c, m = job.counters, job.metrics(now)
    shown: dict[str, Any] = {
        "id": job.id,
        "kind": str(job.kind),
        "resourceType": job.resource,
        "format": job.format or None,
        "status": str(job.status),
        "phase": str(job.phase),
        "totalRows": c.total,
        "processedRows": c.processed,
        "progressPercentage": job.progress(),
        "etaSeconds": m.eta_seconds,
    }
    if job.kind is JobKind.IMPORT:
        shown.update({
            "successfulRows": c.successful, "failedRows": c.failed, "skippedRows": c.skipped,
            "createdRows": c.created, "updatedRows": c.updated, "dryRun": job.dry_run,
            "fileName": job.source_name, "fileUrl": job.source_url, "fileSize": job.source_size,
            "errors": [row_error(e) for e in job.errors], "errorCount": job.error_count,
            "warnings": list(job.warnings), "resumedFromRow": job.resumed_from or None,
            "metrics": {"rowsPerSecond": m.rows_per_second, "errorRate": m.error_rate,
                        "durationMs": m.duration_ms},
        })
    else:
        shown.update({
            "exportedRows": c.exported, "filters": job.filters,
            "fields": list(job.fields) if job.fields else None,
            "downloadUrl": download_url, "fileSize": c.bytes if job.result_key else None,
            "expiresAt": iso(job.expires_at),
            "metrics": {"rowsPerSecond": m.rows_per_second, "totalBytes": m.total_bytes,
                        "durationMs": m.duration_ms},
        })
    if job.callback_url:
        shown.update({"callbackUrl": job.callback_url,
                      "webhookDeliveries": [delivery(d) for d in deliveries]})
    shown.update({
        "failureReason": job.failure, "attempts": job.attempts, "runs": job.runs,
        "suspect": job.suspect, "waitingFor": job.waiting_for,
        "waitingSince": iso(job.waiting_since),
        "startedAt": iso(job.started_at), "completedAt": iso(job.completed_at),
        "createdAt": iso(job.created_at), "updatedAt": iso(job.updated_at),
    })
    return shown
