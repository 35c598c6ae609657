"""Creating jobs: store the upload (streamed), settle the format, record the job, enqueue it."""

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
)
from bulkio.domain.jobs import Job, JobKind
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import resource_named
from bulkio.formats import Format, detect_format
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.jobs import JobRepository
from bulkio.ports.queue import JobQueue
from bulkio.ports.storage import FileStorage
from bulkio.services.fetching import head_of, limited
from bulkio.ports.metrics import JobMetrics
from bulkio.services.observing import NO_METRICS
from bulkio.services.settings import JobSettings


@frozen
class StoredUpload:
    """An uploaded file in storage, not yet an import job."""

    job_id: str
    key: str
    size: int


log = logging.getLogger("bulkio.submit")


class JobSubmitter:
    """Turns a request for an import or export into a pending, enqueued job."""

    def __init__(self, jobs: JobRepository, storage: FileStorage, queue: JobQueue, clock: Clock,
                 ids: IdGenerator, settings: JobSettings, metrics: JobMetrics = NO_METRICS,
                 callbacks: Callable[[str | None], str | None] | None = None) -> None:
        self._jobs, self._storage, self._queue = jobs, storage, queue
        self._metrics, self._callbacks = metrics, callbacks
        self._clock, self._ids, self._settings = clock, ids, settings

    def import_upload(self, resource: str, chunks: Iterable[bytes], filename: str | None = None,
                      format: str | None = None, dry_run: bool = False,
                      callback_url: str | None = None) -> Job:
        """Store an uploaded file as it streams in and queue its import."""
        resource_named(resource)
        if format:
            detect_format(format, None, b"")  # refuse an unknown format before storing anything
        self.check_callback(callback_url)
        return self.import_stored(self.store_upload(chunks), resource, filename, format, dry_run,
                                  callback_url)

    def store_upload(self, chunks: Iterable[bytes]) -> StoredUpload:
        """Stream a file into storage before its job exists (a form may name the resource after
        the file); `import_stored` or `discard` it next."""
        job_id = self._ids.new_id()
        key = f"uploads/{job_id}"
        size = self._storage.put(key, limited(chunks, self._settings.max_upload_bytes, "the upload"))
        return StoredUpload(job_id, key, size)

    def import_stored(self, upload: StoredUpload, resource: str, filename: str | None = None,
                      format: str | None = None, dry_run: bool = False,
                      callback_url: str | None = None) -> Job:
        """Queue the import of a stored upload; a refused request discards the upload."""
        try:
            resource_named(resource)
            callback_url = self.check_callback(callback_url)
            if upload.size == 0:
                raise EmptySource("the file is empty")
            fmt = detect_format(format, filename, head_of(self._storage, upload.key))
        except BulkioError:
            self.discard(upload)
            raise
        job = self._new(upload.job_id, JobKind.IMPORT, resource, fmt.value, dry_run=dry_run,
                        source=upload.key, source_name=filename, source_size=upload.size,
                        callback_url=callback_url)
        return self._submit(job)

    def discard(self, upload: StoredUpload) -> None:
        """Remove a stored upload that will not become a job."""
        self._storage.delete(upload.key)

    def import_url(self, resource: str, url: str, format: str | None = None,
                   dry_run: bool = False, callback_url: str | None = None) -> Job:
        """Queue the import of a remote file; it is fetched by the worker."""
        resource_named(resource)
        callback_url = self.check_callback(callback_url)
        if urlsplit(url).scheme not in ("http", "https"):
            raise InvalidRequest(f"fileUrl must be an http or https URL, got {url!r}")
        fmt = ""
        if format:
            fmt = detect_format(format, None, b"").value
        else:
            try:
                fmt = detect_format(None, urlsplit(url).path, b"").value
            except (InvalidRequest, SourceUnreadable):
                fmt = ""  # no telling extension: settled by sniffing once the file is fetched
        job_id = self._ids.new_id()
        job = self._new(job_id, JobKind.IMPORT, resource, fmt, dry_run=dry_run,
                        source=f"uploads/{job_id}", source_url=url, callback_url=callback_url)
        return self._submit(job)

    def export(self, resource: str, format: str = "ndjson",
               filters: Mapping[str, Any] | None = None, fields: list[str] | None = None,
               callback_url: str | None = None) -> Job:
        """Queue an export to a stored file."""
        fmt = detect_format(format, None, b"")
        callback_url = self.check_callback(callback_url)
        ExportQuery.build(resource_named(resource), filters, fields)  # refuse bad filters now
        job = self._new(self._ids.new_id(), JobKind.EXPORT, resource, fmt.value,
                        filters=dict(filters or {}), fields=tuple(fields) if fields else None,
                        callback_url=callback_url)
        return self._submit(job)

    def check_callback(self, url: str | None) -> str | None:
        """The webhook URL a new job may carry (`InvalidRequest` when it cannot be one)."""
        if url is None or url == "":
            return None
        if self._callbacks is None:
            raise InvalidRequest("this bulkio sends no webhooks", field="callbackUrl")
        return self._callbacks(url)

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


__all__ = ["Format", "JobSubmitter", "StoredUpload"]
