"""Jobs as the API shows them, the answer to a job-creating request, and job listings."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from litestar import Request, Response
from litestar.openapi.spec import OpenAPIType, Parameter, Schema
from litestar.params import PathParameter

from bulkio.domain.errors import FieldProblem, NotFound, blame
from bulkio.domain.fields import Timestamp
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.domain.webhooks import Delivery
from bulkio.domain.resources import resource_named
from bulkio.services import render
from bulkio.entrypoints.http.idempotency import REPLAYED
from bulkio.entrypoints.http.problems import invalid
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobFilter
from bulkio.services.idempotency import Submission
from bulkio.services.jobs import JobService

DEFAULT_PAGE, MAX_PAGE = 50, 200
DOWNLOAD_ROUTE = "export-download"
JobId = Annotated[str, PathParameter(description="The job's id", schema_extra={"format": "uuid"})]


def parse_id(raw: str) -> str:
    """A job id from a path: anything that is not a UUID names no job."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise NotFound(f"no job {raw!r}") from None


Deliveries = Mapping[str, Sequence[Delivery]]


def present_import(job: Job, jobs: JobService, clock: Clock,
                   deliveries: Deliveries | None = None) -> render.ImportJob:
    """An import job as the API shows it, with its webhook's delivery attempts (`deliveries`:
    a page's, read at once by `present_page`; None: read now)."""
    return render.import_job(job, clock.now(), _deliveries(job, jobs, deliveries))


def present_export(job: Job, request: Request[Any, Any, Any], jobs: JobService, clock: Clock,
                   deliveries: Deliveries | None = None) -> render.ExportJob:
    """An export job as the API shows it, with a download URL once its file is ready and its
    webhook's delivery attempts (`deliveries` as `present_import` has them)."""
    download = None
    if job.status is JobStatus.COMPLETED and job.result_key:
        download = jobs.download_url(job) \
            or str(request.url_for(DOWNLOAD_ROUTE, job_id=job.id))
    return render.export_job(job, clock.now(), download, _deliveries(job, jobs, deliveries))


def _deliveries(job: Job, jobs: JobService, page: Deliveries | None) -> Sequence[Delivery]:
    return jobs.deliveries(job) if page is None else page.get(job.id, ())


def present_page(found: Sequence[Job], request: Request[Any, Any, Any], jobs: JobService,
                 clock: Clock) -> list[render.ImportJob | render.ExportJob]:
    """Jobs of either kind as the API shows them, their webhook deliveries read in one query."""
    deliveries = jobs.deliveries_of(found)
    return [present_import(job, jobs, clock, deliveries) if job.kind is JobKind.IMPORT
            else present_export(job, request, jobs, clock, deliveries) for job in found]


def accepted(submission: Submission, shown: render.ImportJob | render.ExportJob,
             request: Request[Any, Any, Any]) -> Response[Any]:
    """201 with a Location for a new job; 200 and `Idempotent-Replayed: true` for a replay."""
    route = "import-get" if submission.job.kind is JobKind.IMPORT else "export-get"
    headers = {"Location": str(request.url_for(route, job_id=submission.job.id))}
    if submission.replayed:
        return Response(shown, status_code=200, headers={**headers, REPLAYED: "true"})
    return Response(shown, status_code=201, headers=headers)


def _moment(name: str, raw: str | None) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return Timestamp().clean(raw)
    except FieldProblem as problem:
        raise invalid(name, f"{name}: {problem.message} (got {raw!r})") from None


def _limit(raw: str | None, default: int, most: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise invalid("limit", f"limit must be a whole number from 1 to {most}, got {raw!r}")
    return int(raw)


def job_filter(kind: JobKind, query: Mapping[str, str]) -> JobFilter:
    """A listing's filters from its query parameters (one page plus one, to know if more follow)."""
    status = query.get("status") or None
    if status is not None and status not in {s.value for s in JobStatus}:
        raise invalid("status", f"status must be one of {', '.join(JobStatus)}, got {status!r}")
    resource = query.get("resourceType") or None
    if resource is not None:
        with blame("resourceType"):
            resource_named(resource)
    cursor = query.get("cursor") or None
    if cursor is not None:
        try:
            cursor = str(uuid.UUID(cursor))
        except ValueError:
            raise invalid("cursor", f"unknown cursor {cursor!r}") from None
    return JobFilter(
        kind=kind, status=JobStatus(status) if status else None, resource=resource,
        created_from=_moment("createdFrom", query.get("createdFrom")),
        created_to=_moment("createdTo", query.get("createdTo")),
        after=cursor, limit=_limit(query.get("limit"), DEFAULT_PAGE, MAX_PAGE) + 1,
    )


def page(found: Sequence[Job], query: JobFilter) -> tuple[Sequence[Job], str | None]:
    """One page of `found` (fetched one past the page) and the `nextCursor` to pass for the
    next page (None on the last one)."""
    more = len(found) >= query.limit
    items = found[: query.limit - 1]
    return items, items[-1].id if more and items else None


def _query(name: str, description: str, **schema: Any) -> Parameter:
    return Parameter(name=name, param_in="query", required=False, description=description,
                     schema=Schema(type=schema.pop("type", OpenAPIType.STRING), **schema))


LIST_PARAMETERS = [
    _query("status", "Only jobs in this state", enum=[s.value for s in JobStatus]),
    _query("resourceType", "Only jobs of this resource"),
    _query("createdFrom", "Created at or after (ISO 8601)", format="date-time"),
    _query("createdTo", "Created before (ISO 8601)", format="date-time"),
    _query("cursor", "`nextCursor` of the previous page", format="uuid"),
    _query("limit", f"Page size (1-{MAX_PAGE}, default {DEFAULT_PAGE})",
           type=OpenAPIType.INTEGER, minimum=1, maximum=MAX_PAGE),
]
