"""/exports: stream records directly, or create an export job and download its file."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Parameter, Schema
from litestar.response import Redirect, Stream

from bulkio.domain.errors import InvalidRequest, UnsupportedFormat, blame
from bulkio.domain.jobs import JobKind
from bulkio.services.render import ExportJob, ExportJobPage
from bulkio.entrypoints.http.idempotency import IdempotencyKeyHeader, key_of
from bulkio.entrypoints.http.bodies import json_object, read_json
from bulkio.entrypoints.http.dependencies import Clocks, Config, Jobs, Streamer, Submitter
from bulkio.entrypoints.http.openapi import (
    CHANGING,
    CREATE_PROBLEMS,
    EXPORT_BODY,
    FORMATS,
    KEEP_FORMULAS,
    RESOURCE_NAMES,
    documented,
    READ_PROBLEMS,
    filter_parameters,
    problems,
)
from bulkio.entrypoints.http.presenting import LIST_PARAMETERS, JobId, accepted, job_filter
from bulkio.entrypoints.http.presenting import page, parse_id, present_export, present_page
from bulkio.entrypoints.http.problems import invalid
from bulkio.entrypoints.http.streaming import file_chunks, in_thread, media_type
from bulkio.entrypoints.http.uploads import flag
from bulkio.formats import extension
# Every other query parameter of a stream is a filter.
CONTROL = ("resource", "format", "fields", "keepFormulas")


def _fields(raw: Any) -> list[str] | None:
    """`fields` as a list: from a JSON array or a comma-separated string."""
    if raw is None or raw == "" or raw == []:
        return None
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise invalid("fields",
                      "fields must be a list of field names, or a comma-separated string")
    return [f.strip() for f in raw if f.strip()] or None


_STREAM_PARAMETERS = [
    Parameter(name="resource", param_in="query", required=False,
              schema=Schema(type=OpenAPIType.STRING, enum=RESOURCE_NAMES),
              description="Stream this resource's records; without it, list export jobs"),
    Parameter(name="format", param_in="query", required=False,
              schema=Schema(type=OpenAPIType.STRING, enum=FORMATS, default="ndjson"),
              description="Format of the streamed file"),
    Parameter(name="fields", param_in="query", required=False,
              schema=Schema(type=OpenAPIType.STRING),
              description="Comma-separated columns, in order (default: all)"),
    Parameter(name="keepFormulas", param_in="query", required=False, schema=KEEP_FORMULAS,
              description=KEEP_FORMULAS.description),
]
_LISTING = [p for p in LIST_PARAMETERS if p.name != "status"]
_EXPORT_PARAMETERS = [*_STREAM_PARAMETERS, *filter_parameters(), *_LISTING]


class ExportController(Controller):
    path = "/exports"
    tags = ["exports"]

    @get("/", sync_to_thread=True,
         operation_class=documented(parameters=_EXPORT_PARAMETERS, downloads=True),
         responses=problems(UnsupportedFormat, InvalidRequest),
         response_description="With `resource`: the records as a CSV, NDJSON or JSON file, "
                              "streamed. Without: a page of export jobs.")
    def stream_or_list(self, request: Request[Any, Any, Any], streamer: Streamer, jobs: Jobs,
                       clock: Clocks) -> Response[ExportJobPage]:
        """Stream matching records as a download (`resource`, `format`, `fields` and the
        resource's filters, e.g. `status`, `createdAfter`, `authorId`); without `resource`,
        list export jobs like GET /imports."""
        query = request.query_params
        if "resource" not in query:
            listing = job_filter(JobKind.EXPORT, query)
            found, cursor = page(jobs.list(listing), listing)
            return Response(ExportJobPage(
                present_page(found, request, jobs, clock), cursor))
        resource, fields = query.get("resource") or "", _fields(query.get("fields"))
        filters = {name: query.get(name) for name in query if name not in CONTROL}
        keep = flag("keepFormulas", query.get("keepFormulas"))
        with blame("resource"):  # filters, fields and format name themselves
            fmt, chunks = streamer.stream(resource, query.get("format") or "ndjson", filters,
                                          fields, keep)
        name = f"{resource}{extension(fmt)}"
        return Stream(in_thread(chunks), media_type=media_type(fmt),  # type: ignore[return-value]
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/", name="export-create", status_code=201,
          operation_class=documented(EXPORT_BODY, created=True),
          responses={200: ResponseSpec(ExportJob, description="Replay of an earlier request "
                                       "with the same Idempotency-Key"),
                     **CREATE_PROBLEMS})
    async def create(self, request: Request[Any, Any, Any], submitter: Submitter, jobs: Jobs,
                     clock: Clocks, settings: Config,
                     idempotency_key: IdempotencyKeyHeader = None) -> Response[ExportJob]:
        """Create an export job that writes the file to storage; poll it for `downloadUrl`."""
        body = json_object(await read_json(request))
        resource = body.get("resourceType", body.get("resource"))
        if not isinstance(resource, str) or not resource:
            raise invalid("resourceType", "resourceType is required (users, articles or comments)")
        fmt = body.get("format") or "ndjson"
        if not isinstance(fmt, str):
            raise invalid("format", "format must be a string")
        filters = body.get("filters") or {}
        if not isinstance(filters, dict):
            raise invalid("filters", "filters must be an object of filter names and values")
        fields = _fields(body.get("fields"))
        callback = body.get("callbackUrl") or None
        if callback is not None and not isinstance(callback, str):
            raise invalid("callbackUrl", "callbackUrl must be a string")
        keep = flag("keepFormulas", body.get("keepFormulas"))
        submission = await anyio.to_thread.run_sync(
            partial(submitter.export, resource, fmt, filters, fields,
                    key=key_of(request, idempotency_key), callback_url=callback,
                    keep_formulas=keep))
        shown = present_export(submission.job, request, jobs, clock)
        return accepted(submission, shown, request)

    @get("/{job_id:str}", name="export-get", sync_to_thread=True,
         operation_class=documented(), responses=READ_PROBLEMS)
    def get_export(self, request: Request[Any, Any, Any], job_id: JobId, jobs: Jobs,
                   clock: Clocks) -> ExportJob:
        """An export job; once completed, `downloadUrl` fetches its file until `expiresAt`."""
        job = jobs.get(parse_id(job_id), JobKind.EXPORT)
        return present_export(job, request, jobs, clock)

    @get("/{job_id:str}/download", name="export-download", sync_to_thread=True,
         operation_class=documented(downloads=True),
         responses=READ_PROBLEMS, response_description="The export file")
    def download(self, job_id: JobId, jobs: Jobs) -> Stream:
        """The finished export's file (a redirect when storage hands out its own URLs)."""
        job = jobs.finished_export(parse_id(job_id))
        url = jobs.download_url(job)
        if url is not None:  # the storage serves it: nothing is read here
            return Redirect(url, status_code=307)  # type: ignore[return-value]
        stream = jobs.export_file(job)
        fmt = job.format
        name = f"{job.resource}-{job.id}.{fmt}"
        return Stream(in_thread(file_chunks(stream)), media_type=media_type(fmt),
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @post("/{job_id:str}/cancel", **CHANGING)
    def cancel_export(self, request: Request[Any, Any, Any], job_id: JobId, jobs: Jobs,
                      clock: Clocks) -> ExportJob:
        """Cancel a pending or running export (refused once it has ended); DELETE on the job
        does the same."""
        job = jobs.cancel(parse_id(job_id), JobKind.EXPORT)
        return present_export(job, request, jobs, clock)

    delete_export = delete("/{job_id:str}", **CHANGING)(cancel_export.fn)

    @post("/{job_id:str}/resume", **CHANGING)
    def resume_export(self, request: Request[Any, Any, Any], job_id: JobId, jobs: Jobs,
                      clock: Clocks) -> ExportJob:
        """Run a failed export again: it starts again (refused unless it failed)."""
        job = jobs.resume(parse_id(job_id), JobKind.EXPORT)
        return present_export(job, request, jobs, clock)
