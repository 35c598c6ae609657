"""The shapes the API answers with, for the OpenAPI document (the values come from `render`)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

from bulkio.domain.jobs import JobStatus, Phase
from bulkio.domain.rows import ErrorCode

Status = Literal[tuple(s.value for s in JobStatus)]  # type: ignore[valid-type]
PhaseName = Literal[tuple(p.value for p in Phase)]  # type: ignore[valid-type]
Code = Literal[tuple(c.value for c in ErrorCode)]  # type: ignore[valid-type]


class RowErrorView(TypedDict):
    row: int
    field: str | None
    code: Code
    message: str
    value: Any
    line: NotRequired[int]


class ImportMetrics(TypedDict):
    rowsPerSecond: float
    errorRate: float
    durationMs: int


class ExportMetrics(TypedDict):
    rowsPerSecond: float
    totalBytes: int
    durationMs: int


class WebhookDeliveryView(TypedDict):
    attempt: int
    at: str
    statusCode: int | None
    error: str | None
    delivered: bool


class _Webhook(TypedDict, total=False):
    callbackUrl: str  # only on a job that names a webhook, with its attempts so far
    webhookDeliveries: list[WebhookDeliveryView]


class _JobView(_Webhook):
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


class ImportJob(_JobView):
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


class ExportJob(_JobView):
    """An export job; `downloadUrl` is set once its file is ready."""

    exportedRows: int
    filters: dict[str, Any]
    fields: list[str] | None
    downloadUrl: str | None
    fileSize: int | None
    expiresAt: str | None
    metrics: ExportMetrics


class ImportJobPage(TypedDict):
    items: list[ImportJob]
    nextCursor: str | None


class ExportJobPage(TypedDict):
    items: list[ExportJob]
    nextCursor: str | None


class RowErrorPage(TypedDict):
    errors: list[RowErrorView]
    offset: int
    limit: int
    total: int
    nextOffset: int | None


class FieldError(TypedDict):
    field: str | None
    message: str


class WorkerView(TypedDict):
    name: str
    lastSeen: str


class QueueView(TypedDict):
    ready: int
    delayed: int
    deadLettered: int
    workers: list[WorkerView]
    waiting: list[dict[str, Any]]


class _ProblemFields(TypedDict):
    type: str
    title: str
    status: int
    detail: str
    instance: str


class Problem(_ProblemFields, total=False):
    """RFC 9457 problem details; `errors` only when the request names the fields at fault
    (`total=False`: with postponed annotations `NotRequired` would read as required)."""

    errors: list[FieldError]


class Health(TypedDict):
    status: Literal["ok", "unavailable"]
    checks: NotRequired[dict[str, str]]
