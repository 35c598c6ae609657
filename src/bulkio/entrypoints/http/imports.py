"""/imports: create (form upload, raw body or URL), read, list, cancel, and the errors."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio.to_thread
from litestar import Controller, Request, Response, delete, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from bulkio.domain.errors import InvalidRequest, NotFound, TooLarge, UnsupportedFormat, blame
from bulkio.domain.jobs import JobKind
from bulkio.services import render
from bulkio.services.render import ImportJob, ImportJobPage, RowErrorPage
from bulkio.entrypoints.http.bodies import capped, json_object, read_json
from bulkio.entrypoints.http.dependencies import Clocks, Config, Jobs, Submitter
from bulkio.entrypoints.http.idempotency import IdempotencyKeyHeader, key_of
from bulkio.entrypoints.http.openapi import (
    CHANGING,
    CREATE_PROBLEMS,
    DELIMITER_TEXT,
    IMPORT_BODY,
    KEEP_FORMULAS_TEXT,
    READ_PROBLEMS,
    documented,
    problems,
)
from bulkio.entrypoints.http.presenting import LIST_PARAMETERS, JobId, accepted, job_filter
from bulkio.entrypoints.http.presenting import page, parse_id, present_import, present_page
from bulkio.entrypoints.http.streaming import in_thread, media_type, pump
from bulkio.entrypoints.http.uploads import (
    ImportParams,
    flag,
    import_body,
    import_form,
    import_url,
)
from bulkio.formats import detect_format, extension
from bulkio.services.errors import MalformedBody

FORM_OVERHEAD = 1024 * 1024  # boundaries, part headers and small fields around the file
MAX_OFFSET = 2**63 - 1  # the largest integer PostgreSQL and SQLite keep
Query = partial(QueryParameter, required=False)


class ImportController(Controller):
    path = "/imports"
    tags = ["imports"]

    @post(
        "/", name="import-create", status_code=201, request_max_body_size=None,
        operation_class=documented(IMPORT_BODY, created=True),
        responses={200: ResponseSpec(ImportJob, description="Replay of an earlier request with "
                                     "the same Idempotency-Key (`Idempotent-Replayed: true`)"),
                   **CREATE_PROBLEMS},
    )
    async def create(
        self, request: Request[Any, Any, Any], submitter: Submitter, jobs: Jobs, clock: Clocks,
        settings: Config, idempotency_key: IdempotencyKeyHeader = None,
        resource_type: Annotated[str | None, Query(name="resourceType",
                                                   description="Raw body uploads only")] = None,
        format: Annotated[str | None, Query(description="Raw body uploads only")] = None,
        dry_run: Annotated[str | None, Query(name="dryRun",
                                             description="Raw body uploads only")] = None,
        file_name: Annotated[str | None, Query(name="fileName",
                                               description="Raw body uploads only")] = None,
        callback_url: Annotated[str | None, Query(
            name="callbackUrl", description="Raw body uploads only: the webhook")] = None,
        delimiter: Annotated[str | None, Query(
            description="Raw body uploads only: " + DELIMITER_TEXT)] = None,
    ) -> Response[ImportJob]:
        """Create an import job from an uploaded file (multipart `file`), a remote `fileUrl`
        (JSON), or a raw file body (`resourceType` in the query). Validation happens in the
        background: poll the job."""
        media, options = request.content_type
        key = key_of(request, idempotency_key)
        if media == "application/json" and resource_type is None:
            body = json_object(await read_json(request))
            submission = await anyio.to_thread.run_sync(import_url, body, submitter, key)
        else:
            limit = settings.jobs.max_upload_bytes
            if (request.content_length or 0) > limit + FORM_OVERHEAD:
                raise TooLarge(f"the upload is larger than the limit of {limit:,} bytes")
            source = capped(request.stream(), limit + FORM_OVERHEAD, "the upload")
            if media == "multipart/form-data":
                if not options.get("boundary"):
                    raise MalformedBody("multipart/form-data without a boundary")
                flow = partial(import_form, boundary=options["boundary"], submitter=submitter,
                               key=key)
            else:
                params = ImportParams.parse({"resourceType": resource_type, "format": format,
                                             "dryRun": dry_run, "callbackUrl": callback_url,
                                             "delimiter": delimiter})
                flow = partial(import_body, filename=file_name, params=params,
                               submitter=submitter, key=key)
            submission = await pump(source, flow, getattr(request.app.state, "uploads", None))
        shown = present_import(submission.job, jobs, clock)
        return accepted(submission, shown, request)

    @get("/", sync_to_thread=True, operation_class=documented(parameters=LIST_PARAMETERS),
         responses=problems(InvalidRequest))
    def list_imports(self, request: Request[Any, Any, Any], jobs: Jobs, clock: Clocks) -> ImportJobPage:
        """Import jobs, newest first, one page at a time (pass `nextCursor` as `cursor`)."""
        query = job_filter(JobKind.IMPORT, request.query_params)
        found, cursor = page(jobs.list(query), query)
        return ImportJobPage(present_page(found, request, jobs, clock), cursor)

    @get("/{job_id:str}", name="import-get", sync_to_thread=True,
         operation_class=documented(), responses=READ_PROBLEMS)
    def get_import(self, request: Request[Any, Any, Any], job_id: JobId, jobs: Jobs, clock: Clocks) -> ImportJob:
        """An import job: status, phase, counters, progress, ETA, metrics and the first errors."""
        job = jobs.get(parse_id(job_id), JobKind.IMPORT)
        return present_import(job, jobs, clock)

    @post("/{job_id:str}/cancel", **CHANGING)
    def cancel_import(self, job_id: JobId, jobs: Jobs, clock: Clocks) -> ImportJob:
        """Cancel a pending or running import (refused once it has ended); DELETE on the job
        does the same."""
        return present_import(jobs.cancel(parse_id(job_id), JobKind.IMPORT), jobs, clock)

    delete_import = delete("/{job_id:str}", **CHANGING)(cancel_import.fn)

    @post("/{job_id:str}/resume", **CHANGING)
    def resume_import(self, job_id: JobId, jobs: Jobs, clock: Clocks) -> ImportJob:
        """Run a failed import again: it goes on after its last committed batch (refused
        unless it failed)."""
        return present_import(jobs.resume(parse_id(job_id), JobKind.IMPORT), jobs, clock)

    @get("/{job_id:str}/errors", sync_to_thread=True,
         operation_class=documented(), responses=problems(NotFound, InvalidRequest))
    def list_errors(
        self, job_id: JobId, jobs: Jobs,
        offset: Annotated[int | None, Query(ge=0, le=MAX_OFFSET,
                                            description="Skip this many errors")] = None,
        limit: Annotated[int | None, Query(ge=1, le=1000, description="Page size")] = None,
    ) -> RowErrorPage:
        """Every row error of an import, in row order, a page at a time."""
        start, size = offset or 0, limit or 100
        job = jobs.get(parse_id(job_id), JobKind.IMPORT)
        errors = [render.row_error(e) for e in jobs.errors(job.id, start, size)]
        following = start + len(errors)
        return RowErrorPage(errors, start, size, job.error_count,
                            following if following < job.error_count else None)

    @get("/{job_id:str}/errors/report", sync_to_thread=True,
         operation_class=documented(downloads=True),
         responses=problems(NotFound, UnsupportedFormat),
         response_description="The failed rows with their values and errors, ready to fix "
                              "and import again")
    def error_report(
        self, job_id: JobId, jobs: Jobs,
        format: Annotated[str, Query(description="csv, ndjson or json")] = "csv",
        keep_formulas: Annotated[str | None, Query(name="keepFormulas",
                                                   description=KEEP_FORMULAS_TEXT)] = None,
    ) -> Stream:
        """Download every failed row with its original values and why it failed."""
        with blame("format"):
            fmt = detect_format(format, None, b"")
        chunks = jobs.error_report(parse_id(job_id), fmt, flag("keepFormulas", keep_formulas))
        name = f"errors-{parse_id(job_id)}{extension(fmt)}"
        return Stream(in_thread(chunks), media_type=media_type(fmt),
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

