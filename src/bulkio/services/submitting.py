"""Creating jobs: store the upload (streamed, hashed), claim the Idempotency-Key, settle the
format, record the job, enqueue it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

from bulkio.domain.errors import (
    BulkioError,
    EmptySource,
    InvalidRequest,
    SourceUnreadable,
    Unavailable,
    blame,
)
from bulkio.domain.jobs import Job, JobKind
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import resource_named
from bulkio.domain.rows import showable
from bulkio.formats import Format, detect_format
from bulkio.formats.delimiter import delimiter_option
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.jobs import JobRepository
from bulkio.ports.queue import JobQueue
from bulkio.ports.storage import FileStorage
from bulkio.services.fetching import head_of, limited
from bulkio.ports.metrics import JobMetrics
from bulkio.services.idempotency import ContentHash, IdempotencyKey, IdempotentRequests, Submission
from bulkio.services.observing import NO_METRICS
from bulkio.services.settings import JobSettings


@frozen
class ImportRequest:
    """What an import asks for; `check` refuses an unknown resource or format, or a delimiter
    that cannot be one (`delimiter`: a CSV file's; None: detect it)."""

    resource: str
    format: str | None = None
    dry_run: bool = False
    callback_url: str | None = None
    delimiter: str | None = None

    def check(self) -> None:
        """`UnknownResource`, `UnsupportedFormat` or `InvalidRequest`, naming the parameter at
        fault."""
        with blame("resourceType"):
            resource_named(self.resource)
        if self.format:
            with blame("format"):
                detect_format(self.format, None, b"")
        delimiter_option(self.delimiter)

    def fingerprinted(self, **more: Any) -> dict[str, Any]:
        # A delimiter joins the fingerprint only when given: keys recorded before it existed
        # still match their requests.
        given = {"delimiter": self.delimiter} if self.delimiter else {}
        return {"resourceType": self.resource, "format": self.format, "dryRun": self.dry_run,
                "callbackUrl": self.callback_url, **given, **more}


@frozen
class StoredUpload:
    """An uploaded file in storage, not yet an import job."""

    job_id: str
    key: str
    size: int
    sha256: str
    checked: ImportRequest | None = None  # the request already checked before storing


log = logging.getLogger("bulkio.submit")


class JobSubmitter:
    """Turns a request for an import or export into a pending, enqueued job, at most once per
    Idempotency-Key: a request with a key already used for it answers that job (`replayed`)."""

    def __init__(self, jobs: JobRepository, storage: FileStorage, queue: JobQueue, clock: Clock,
                 ids: IdGenerator, settings: JobSettings, requests: IdempotentRequests,
                 metrics: JobMetrics = NO_METRICS,
                 callbacks: Callable[[str | None], str | None] | None = None) -> None:
        self._jobs, self._storage, self._queue = jobs, storage, queue
        self._metrics, self._callbacks = metrics, callbacks
        self._clock, self._ids, self._settings = clock, ids, settings
        self._requests = requests

    def import_upload(self, resource: str, chunks: Iterable[bytes], filename: str | None = None,
                      format: str | None = None, dry_run: bool = False,
                      key: IdempotencyKey | None = None,
                      callback_url: str | None = None, delimiter: str | None = None,
                      ) -> Submission:
        """Submit an uploaded file: refuse a bad request before storing anything, store the file
        as it streams in while hashing it, claim the key, then create and queue the job, or
        discard the file when no job comes of it (refused, replayed, failed). `callback_url`
        receives the signed webhook when the job ends; `delimiter` splits a CSV file's fields
        (None: the file's `sep=` line, else its header, says)."""
        request = ImportRequest(resource, format, dry_run, callback_url, delimiter)
        return self.import_stored(self.store_upload(chunks, request), request, filename, key)

    def store_upload(self, chunks: Iterable[bytes],
                     request: ImportRequest | None = None) -> StoredUpload:
        """The first half of `import_upload`, for a request whose parameters may follow its file
        (a form): stream the file into storage, hashing it; `import_stored` or `discard` it next.
        A request already known is checked first, so a refused one stores nothing."""
        if request is not None:
            self._check(request)
        job_id, content = self._ids.new_id(), ContentHash()
        key = f"uploads/{job_id}"
        size = self._storage.put(key, content.through(
            limited(chunks, self._settings.max_upload_bytes, "the upload")))
        return StoredUpload(job_id, key, size, content.hexdigest(), request)

    def import_stored(self, upload: StoredUpload, request: ImportRequest,
                      filename: str | None = None, key: IdempotencyKey | None = None,
                      ) -> Submission:
        """The second half of `import_upload`: check the request (unless `store_upload` did),
        claim the key, create and queue the job; the upload is discarded whenever no job comes
        of it."""
        try:
            if upload.checked != request:
                self._check(request)
            if upload.size == 0:
                raise EmptySource("the file is empty")
            fmt = detect_format(request.format, filename, head_of(self._storage, upload.key))
        except BulkioError:
            self.discard(upload)
            raise

        def create() -> Job:
            return self._submit(self._new(
                upload.job_id, JobKind.IMPORT, request.resource, fmt.value,
                dry_run=request.dry_run, source=upload.key,
                source_name=None if filename is None else showable(filename),
                source_size=upload.size, callback_url=request.callback_url or None,
                delimiter=request.delimiter or None))

        claim = None if key is None else key.claim("import", request.fingerprinted(),
                                                   upload.sha256)
        return self._requests.submit(claim, create, lambda: self.discard(upload))

    def discard(self, upload: StoredUpload) -> None:
        """Remove a stored upload that will not become a job."""
        self._storage.delete(upload.key)

    def import_url(self, resource: str, url: str, format: str | None = None,
                   dry_run: bool = False, key: IdempotencyKey | None = None,
                   callback_url: str | None = None, delimiter: str | None = None,
                   ) -> Submission:
        """Queue the import of a remote file (fetched by the worker), once per key;
        `delimiter` as for `import_upload`."""
        request = ImportRequest(resource, format, dry_run, callback_url, delimiter)
        request.check()
        callback_url = self.check_callback(callback_url)
        if urlsplit(url).scheme not in ("http", "https"):
            raise InvalidRequest(f"fileUrl must be an http or https URL, got {url!r}",
                                 field="fileUrl")
        fmt = ""
        if format:
            fmt = detect_format(format, None, b"").value
        else:
            try:
                fmt = detect_format(None, urlsplit(url).path, b"").value
            except (InvalidRequest, SourceUnreadable):
                fmt = ""  # no telling extension: settled by sniffing once the file is fetched

        def create() -> Job:
            job_id = self._ids.new_id()
            return self._submit(self._new(job_id, JobKind.IMPORT, resource, fmt, dry_run=dry_run,
                                          source=f"uploads/{job_id}", source_url=url,
                                          callback_url=callback_url,
                                          delimiter=request.delimiter or None))

        claim = None if key is None else key.claim("import", request.fingerprinted(fileUrl=url))
        return self._requests.submit(claim, create)

    def export(self, resource: str, format: str = "ndjson",
               filters: Mapping[str, Any] | None = None, fields: list[str] | None = None,
               key: IdempotencyKey | None = None, callback_url: str | None = None,
               keep_formulas: bool = False) -> Submission:
        """Queue an export to a stored file, once per key; the job keeps `keep_formulas` (CSV
        text cells written raw instead of neutralized: `ExportQuery`)."""
        fmt = detect_format(format, None, b"")
        callback_url = self.check_callback(callback_url)
        with blame("resourceType"):  # filters, fields and format name themselves
            ExportQuery.build(resource_named(resource), filters, fields)  # refuse bad ones now

        def create() -> Job:
            return self._submit(self._new(
                self._ids.new_id(), JobKind.EXPORT, resource, fmt.value,
                filters=dict(filters or {}), fields=tuple(fields) if fields else None,
                callback_url=callback_url, keep_formulas=keep_formulas))

        params = {"resourceType": resource, "format": format, "filters": dict(filters or {}),
                  "fields": fields, "callbackUrl": callback_url}
        if keep_formulas:  # only when asked: keys claimed before the option still match
            params["keepFormulas"] = True
        claim = None if key is None else key.claim("export", params)
        return self._requests.submit(claim, create)

    def check_callback(self, url: str | None) -> str | None:
        """The webhook URL a new job may carry (`InvalidRequest` when it cannot be one)."""
        if url is None or url == "":
            return None
        if self._callbacks is None:
            raise InvalidRequest("this bulkio sends no webhooks", field="callbackUrl")
        return self._callbacks(url)

    def _check(self, request: ImportRequest) -> None:
        request.check()
        self.check_callback(request.callback_url)

    def _new(self, job_id: str, kind: JobKind, resource: str, fmt: str, **extra: Any) -> Job:
        now = self._clock.now()
        return Job(id=job_id, kind=kind, resource=resource, format=fmt, created_at=now,
                   updated_at=now, **extra)

    def _submit(self, job: Job) -> Job:
        self._jobs.add(job)
        self._metrics.job_submitted(job)
        try:
            self._queue.enqueue_run(job.id)
        except Unavailable:
            # The job row is the truth: the sweep sends it again. Answering an error here
            # would invite a retry that imports the same file twice.
            log.warning("job %s is saved but its message could not be sent; the sweep will",
                        job.id)
        return job


__all__ = ["Format", "ImportRequest", "JobSubmitter", "StoredUpload", "Submission"]
