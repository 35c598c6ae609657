"""Reading an import request: a form with a file, a raw file body, or a JSON `fileUrl`.

The functions here only parse; `JobSubmitter` checks the request, stores the file while hashing
it, claims the Idempotency-Key and creates the job. They are synchronous and run in a worker
thread (see `streaming.pump`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attrs import frozen

from bulkio.entrypoints.http.multipart import FilePart, read_form
from bulkio.entrypoints.http.problems import invalid
from bulkio.services.idempotency import IdempotencyKey, Submission
from bulkio.services.submitting import ImportRequest, JobSubmitter, StoredUpload

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}


def flag(name: str, raw: Any) -> bool:
    """A boolean from JSON, a form field or a query parameter."""
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise invalid(name, f"{name} must be true or false, got {raw!r}")


@frozen
class ImportParams:
    """What an import request asks for, parsed (the submitter checks it)."""

    request: ImportRequest

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> ImportParams:
        resource = values.get("resourceType")
        if resource is None or resource == "":
            raise invalid("resourceType", "resourceType is required (users, articles or comments)")
        if not isinstance(resource, str):
            raise invalid("resourceType", "resourceType must be a string")
        fmt = values.get("format") or None
        if fmt is not None and not isinstance(fmt, str):
            raise invalid("format", "format must be a string")
        callback = values.get("callbackUrl") or None
        if callback is not None and not isinstance(callback, str):
            raise invalid("callbackUrl", "callbackUrl must be a string")
        delimiter = values.get("delimiter") or None
        if delimiter is not None and not isinstance(delimiter, str):
            raise invalid("delimiter", f"delimiter must be a string, got {delimiter!r}")
        return cls(ImportRequest(resource, fmt, flag("dryRun", values.get("dryRun")), callback,
                                 delimiter))


def import_form(chunks: Iterator[bytes], boundary: str, submitter: JobSubmitter,
                key: IdempotencyKey | None) -> Submission:
    """A multipart form: `file` plus `resourceType`, `format`, `dryRun`, `callbackUrl` and
    `delimiter`, in any order."""
    stored: list[StoredUpload] = []

    def store(fields: dict[str, str], part: FilePart, body: Iterator[bytes]) -> StoredUpload:
        # Fields sent before the file are checked before it is stored (the resource may follow).
        early = None
        if fields.keys() & {"resourceType", "format", "callbackUrl", "delimiter"}:
            early = ImportParams.parse({"resourceType": "users", **fields}).request
        stored.append(submitter.store_upload(body, early))
        return stored[0]

    try:
        fields, part, upload = read_form(chunks, boundary, store)
        if part is None or upload is None:
            raise invalid("file", "a file is required in the `file` field")
        params = ImportParams.parse(fields)
    except BaseException:
        for upload in stored:
            submitter.discard(upload)
        raise
    return submitter.import_stored(upload, params.request, part.filename, key)


def import_body(chunks: Iterator[bytes], filename: str | None, params: ImportParams,
                submitter: JobSubmitter, key: IdempotencyKey | None) -> Submission:
    """The file as the raw request body, its parameters in the query."""
    request = params.request
    return submitter.import_upload(request.resource, chunks, filename, request.format,
                                   request.dry_run, key, request.callback_url,
                                   request.delimiter)


def import_url(body: Mapping[str, Any], submitter: JobSubmitter,
                key: IdempotencyKey | None) -> Submission:
    """A JSON body naming a remote file; the worker fetches it."""
    request = ImportParams.parse(body).request
    url = body.get("fileUrl")
    if not isinstance(url, str) or not url:
        raise invalid("fileUrl", "fileUrl is required: an http or https URL (or upload a file)")
    return submitter.import_url(request.resource, url, request.format, request.dry_run, key,
                                request.callback_url, request.delimiter)
