"""The export pipeline: stream matching records through a writer into storage or a response."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from bulkio.domain.jobs import Counters, Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import resource_named
from bulkio.formats import Format, detect_format, extension
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRepository
from bulkio.ports.records import RecordStore
from bulkio.ports.storage import FileStorage
from bulkio.ports.metrics import JobMetrics
from bulkio.services.errors import WorkerStopping
from bulkio.services.importing import never
from bulkio.services.observing import NO_METRICS
from bulkio.services.settings import JobSettings


def export_chunks(records: RecordStore, query: ExportQuery, fmt: Format,
                  batch_size: int) -> Iterator[bytes]:
    """The encoded export, chunk by chunk, as the store writes it (only `query.columns`)."""
    return (chunk for chunk, _ in records.export(query, fmt, batch_size))


class ExportPipeline:
    """Runs one export job that a worker has already claimed."""

    def __init__(self, jobs: JobRepository, records: RecordStore, storage: FileStorage,
                 clock: Clock, settings: JobSettings, metrics: JobMetrics = NO_METRICS) -> None:
        self._jobs, self._records, self._storage = jobs, records, storage
        self._clock, self._settings = clock, settings
        self._metrics = metrics

    def run(self, job: Job, stopping: Callable[[], bool] = never) -> None:
        """Write the export file to storage; leaves the job completed with its key.

        An export has no checkpoint: a recovered one starts again, its partial file discarded;
        its shown counts do not go back meanwhile (see `Job.record_export`)."""
        query = ExportQuery.build(resource_named(job.resource), job.filters, job.fields,
                                  job.keep_formulas)
        shown = max(job.counters.exported, job.counters.processed)
        job.counters = Counters(total=self._records.count(query), exported=shown, processed=shown)
        job.heartbeat(self._clock.now())
        self._jobs.save(job)
        fmt = Format(job.format)
        key = f"exports/{job.id}{extension(fmt)}"  # extension() brings its own dot
        run = _Run()
        chunks = self._records.export(query, fmt, self._settings.batch_size)
        size = self._storage.put(key, self._count(job, chunks, stopping, run))
        now = self._clock.now()
        job.record_export(run.rows, size, now)
        job.counters.exported = job.counters.processed = run.rows  # this run's file, exactly
        job.complete(now, result_key=key, expires_at=now + self._settings.export_ttl)
        self._jobs.save(job)

    def _count(self, job: Job, chunks: Iterable[tuple[bytes, int]],
               stopping: Callable[[], bool], run: _Run) -> Iterator[bytes]:
        """The chunks, counted: a heartbeat (fenced save) each time another
        `heartbeat_every_rows` records or more are written, where a cancelled or stopping job
        ends."""
        every = self._settings.heartbeat_every_rows
        reported = 0
        for chunk, rows in chunks:
            run.bytes += len(chunk)
            yield chunk
            run.rows += rows
            if run.rows - reported >= every:
                self._metrics.rows(job, "exported", run.rows - reported)
                reported = run.rows
                job.record_export(run.rows, run.bytes, self._clock.now())
                self._jobs.save(job)  # fenced: a cancelled job stops here
                if stopping():
                    raise WorkerStopping(job.id)  # storage discards the unfinished file
        self._metrics.rows(job, "exported", run.rows - reported)


class _Run:
    """What one run of an export has written so far."""

    def __init__(self) -> None:
        self.rows = 0
        self.bytes = 0


class ExportStreamer:
    """Direct exports: checked up front, then streamed as the client reads."""

    def __init__(self, records: RecordStore, settings: JobSettings) -> None:
        self._records, self._settings = records, settings

    def records(self, resource: str, filters: Mapping[str, Any] | None = None,
                fields: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Matching records as dicts of the chosen columns."""
        query = ExportQuery.build(resource_named(resource), filters, fields)
        for record in self._records.stream(query, self._settings.batch_size):
            yield {c: record.get(c) for c in query.columns}

    def stream(self, resource: str, format: str = "ndjson", filters: Mapping[str, Any] | None = None,
               fields: list[str] | None = None,
               keep_formulas: bool = False) -> tuple[Format, Iterator[bytes]]:
        """Refuse a bad request before the first byte; then the encoded records, chunk by chunk
        (CSV text cells neutralized unless `keep_formulas`: `ExportQuery`)."""
        fmt = detect_format(format, None, b"")
        query = ExportQuery.build(resource_named(resource), filters, fields, keep_formulas)
        return fmt, export_chunks(self._records, query, fmt, self._settings.batch_size)
