"""The HTTP-only shapes: problem details, health and the queue. Jobs are shown as `render`
draws them."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from bulkio.services.render import ExportJob, ImportJob


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
    waiting: list[ImportJob | ExportJob]


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
