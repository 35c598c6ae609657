"""Creating an import from a request: a form with a file, a raw file body, or a JSON `fileUrl`.

The functions here are synchronous and run in a worker thread (see `streaming.pump`): the file
streams to storage while its SHA-256 is computed, then the job is created once per
Idempotency-Key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from attrs import frozen

from bulkio.domain.resources import resource_named
from bulkio.entrypoints.http.idempotency import Claimer
from bulkio.entrypoints.http.multipart import FilePart, read_form
from bulkio.entrypoints.http.problems import blame, invalid
from bulkio.formats import detect_format
from bulkio.services.idempotency import ContentHash, IdempotentRequests, Submission
from bulkio.services.submitting import JobSubmitter, StoredUpload

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
    """What an import request asks for, checked."""

    resource: str
    format: str | None = None
    dry_run: bool = False
    callback_url: str | None = None

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> ImportParams:
        resource = values.get("resourceType")
        if resource is None or resource == "":
            raise invalid("resourceType", "resourceType is required (users, articles or comments)")
        if not isinstance(resource, str):
            raise invalid("resourceType", "resourceType must be a string")
        with blame("resourceType"):
            resource_named(resource)
        fmt = values.get("format") or None
        if fmt is not None:
            if not isinstance(fmt, str):
                raise invalid("format", "format must be a string")
            with blame("format"):
                detect_format(fmt, None, b"")
        callback = values.get("callbackUrl") or None
        if callback is not None and not isinstance(callback, str):
            raise invalid("callbackUrl", "callbackUrl must be a string")
        return cls(resource, fmt, flag("dryRun", values.get("dryRun")), callback)

    def fingerprinted(self) -> dict[str, Any]:
        return {"resourceType": self.resource, "format": self.format, "dryRun": self.dry_run,
                "callbackUrl": self.callback_url}


def import_form(chunks: Iterator[bytes], boundary: str, submitter: JobSubmitter,
                requests: IdempotentRequests, claim: Claimer) -> Submission:
    """A multipart form: `file` plus `resourceType`, `format`, `dryRun`, in any order."""
    content = ContentHash()
    stored: list[StoredUpload] = []

    def store(fields: dict[str, str], part: FilePart, body: Iterator[bytes]) -> StoredUpload:
        if fields.keys() & {"resourceType", "format", "callbackUrl"}:
            # Refuse a bad field before anything is stored.
            params = ImportParams.parse({"resourceType": "users", **fields})
            submitter.check_callback(params.callback_url)
        stored.append(submitter.store_upload(content.through(body)))
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
    return _submit(upload, part.filename, params, submitter, requests, claim, content)


def import_body(chunks: Iterator[bytes], filename: str | None, params: ImportParams,
                submitter: JobSubmitter, requests: IdempotentRequests,
                claim: Claimer) -> Submission:
    """The file as the raw request body, its parameters in the query."""
    content = ContentHash()
    upload = submitter.store_upload(content.through(chunks))
    return _submit(upload, filename, params, submitter, requests, claim, content)


def _submit(upload: StoredUpload, filename: str | None, params: ImportParams,
            submitter: JobSubmitter, requests: IdempotentRequests, claim: Claimer,
            content: ContentHash) -> Submission:
    def create() -> Any:
        return submitter.import_stored(upload, params.resource, filename, params.format,
                                       params.dry_run, params.callback_url)

    def discard() -> None:
        submitter.discard(upload)

    return requests.submit(claim(params.fingerprinted(), content.hexdigest()), create, discard)


def import_url(body: Mapping[str, Any], submitter: JobSubmitter, requests: IdempotentRequests,
               claim: Claimer) -> Submission:
    """A JSON body naming a remote file; the worker fetches it."""
    params = ImportParams.parse(body)
    url = body.get("fileUrl")
    if not isinstance(url, str) or not url:
        raise invalid("fileUrl", "fileUrl is required: an http or https URL (or upload a file)")
    fingerprinted = {**params.fingerprinted(), "fileUrl": url}

    def create() -> Any:
        with blame("fileUrl"):
            return submitter.import_url(params.resource, url, params.format, params.dry_run,
                                        params.callback_url)

    return requests.submit(claim(fingerprinted, None), create)

