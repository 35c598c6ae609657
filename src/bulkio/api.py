"""bulkio as a library: `bulkio.open()` gives a `Bulkio` handle on the embedded set (or on the
set its settings name) with imports, exports and jobs as plain method calls."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

from bulkio.config import Settings, from_env
from bulkio.container import Container, build
from bulkio.domain.errors import NotFound
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.domain.rows import RowError
from bulkio.domain.webhooks import Delivery
from bulkio.formats import Format
from bulkio.ports.jobs import JobFilter
from bulkio.services.idempotency import IdempotencyKey
from bulkio.services.maintenance import Maintenance

CHUNK = 1024 * 1024


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


class Bulkio:
    """A running bulkio: its worker threads run jobs until `close()`."""

    def __init__(self, container: Container, maintenance: Maintenance | None = None) -> None:
        self.container = container
        self._maintenance = maintenance

    # -- imports ---------------------------------------------------------------------------

    def import_file(self, source: str | Path | BinaryIO, resource: str, format: str | None = None,
                    dry_run: bool = False, idempotency_key: str | None = None,
                    callback_url: str | None = None, delimiter: str | None = None) -> Job:
        """Queue the import of a file (path or binary stream); returns the pending job.

        `delimiter` splits a CSV file's fields (one character; None: a `sep=` first line, else
        the header, says; `InvalidRequest` for one that cannot be). With `idempotency_key`, the
        same file and options sent again under that key return the job the first call created
        instead of a new one (`IdempotencyKeyReused` if they differ; keys are kept
        IDEMPOTENCY_TTL_MS). `callback_url` receives the signed webhook when the
        job ends (needs WEBHOOK_SECRET)."""
        submitter, key = self.container.submitter(), _key(idempotency_key)
        if isinstance(source, str | Path):
            path = Path(source)
            with path.open("rb") as stream:
                return submitter.import_upload(resource, _chunks(stream), path.name, format,
                                               dry_run, key, callback_url, delimiter).job
        name = getattr(source, "name", None)
        return submitter.import_upload(resource, _chunks(source), name if isinstance(name, str)
                                       else None, format, dry_run, key, callback_url,
                                       delimiter).job

    def import_url(self, url: str, resource: str, format: str | None = None,
                   dry_run: bool = False, idempotency_key: str | None = None,
                   callback_url: str | None = None, delimiter: str | None = None) -> Job:
        """Queue the import of a remote file (http or https); `idempotency_key`,
        `callback_url` and `delimiter` as for `import_file`."""
        return self.container.submitter().import_url(resource, url, format, dry_run,
                                                     _key(idempotency_key), callback_url,
                                                     delimiter).job

    def validate(self, source: str | Path | BinaryIO, resource: str,
                 format: str | None = None, delimiter: str | None = None) -> Job:
        """A dry run: the real rules and reference checks, no writes; waits for the result."""
        return self.wait(self.import_file(source, resource, format, dry_run=True,
                                          delimiter=delimiter).id)

    # -- exports ---------------------------------------------------------------------------

    def export(self, resource: str, filters: Mapping[str, Any] | None = None,
               fields: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Matching records, streamed from the database."""
        return self.container.export_streamer().records(resource, filters, fields)

    def export_to(self, target: str | Path | IO[bytes], resource: str, format: str = "ndjson",
                  filters: Mapping[str, Any] | None = None, fields: list[str] | None = None,
                  keep_formulas: bool = False) -> int:
        """Write matching records to a file or binary stream; returns the bytes written.

        In CSV, text starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
        `'` so spreadsheets show it instead of running it; `keep_formulas=True` writes it raw.
        NDJSON and JSON are always exact."""
        _, chunks = self.container.export_streamer().stream(resource, format, filters, fields,
                                                            keep_formulas)
        if isinstance(target, str | Path):
            with Path(target).open("wb") as out:
                return _write_all(out, chunks)
        return _write_all(target, chunks)

    def export_job(self, resource: str, format: str = "ndjson",
                   filters: Mapping[str, Any] | None = None, fields: list[str] | None = None,
                   idempotency_key: str | None = None, callback_url: str | None = None,
                   keep_formulas: bool = False) -> Job:
        """Queue an export to a stored file (see `Job.result_key`); `idempotency_key` and
        `callback_url` as for `import_file`, `keep_formulas` as for `export_to` (kept on the
        job as `Job.keep_formulas`)."""
        return self.container.submitter().export(resource, format, filters, fields,
                                                 _key(idempotency_key), callback_url,
                                                 keep_formulas).job

    # -- jobs ------------------------------------------------------------------------------

    def get_job(self, job_id: str) -> Job:
        return self.container.job_service().get(job_id)

    def deliveries(self, job_id: str) -> Sequence[Delivery]:
        """The webhook delivery attempts of a job so far, oldest first."""
        jobs = self.container.job_service()
        return jobs.deliveries(jobs.get(job_id))

    def jobs(self, kind: str | None = None, status: str | None = None, limit: int = 50) -> list[Job]:
        query = JobFilter(kind=JobKind(kind) if kind else None,
                          status=JobStatus(status) if status else None, limit=limit)
        return list(self.container.job_service().list(query))

    def cancel(self, job_id: str) -> Job:
        return self.container.job_service().cancel(job_id)

    def resume(self, job_id: str) -> Job:
        """Run a failed job again (an import goes on after its last committed batch) and
        return it pending; `InvalidTransition` unless it failed."""
        return self.container.job_service().resume(job_id)

    def errors(self, job_id: str, offset: int = 0, limit: int = 100) -> list[RowError]:
        return list(self.container.job_service().errors(job_id, offset, limit))

    def error_report(self, job_id: str, format: str = "csv",
                     keep_formulas: bool = False) -> Iterator[bytes]:
        """Every failed row with its values and errors, fixable and re-importable;
        `keep_formulas` as for `export_to`."""
        return self.container.job_service().error_report(job_id, Format(format), keep_formulas)

    def wait(self, job_id: str, timeout: float | None = None, poll: float = 0.1) -> Job:
        """Block until the job ends (or `TimeoutError`)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get_job(job_id)
            if job.is_terminal:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job.status}")
            time.sleep(poll)

    def close(self) -> None:
        """Stop the maintenance and the worker threads (running jobs pause after their batch)."""
        if self._maintenance is not None:
            self._maintenance.stop()
        self.container.webhooks().stop()
        self.container.shutdown_resources()

    def __enter__(self) -> Bulkio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _key(idempotency_key: str | None) -> IdempotencyKey | None:
    return None if idempotency_key is None else IdempotencyKey(idempotency_key)


def _write_all(out: IO[bytes], chunks: Iterable[bytes]) -> int:
    total = 0
    for chunk in chunks:
        out.write(chunk)
        total += len(chunk)
    return total


def open(settings: Settings | Mapping[str, str] | None = None, *, sweep: bool = True) -> Bulkio:
    """Start bulkio: embedded by default, or as `settings` (or an environment mapping) say.

    With `sweep` (the default) the container's maintenance runs in a background thread, at once
    and every JOB_SWEEP_INTERVAL_MS: pending jobs from an earlier run are picked up, stale ones
    recovered, expired Idempotency-Keys and export files deleted (`services/maintenance.py`)."""
    if not isinstance(settings, Settings):
        settings = from_env(settings)
    container = build(settings)
    try:
        container.init_resources()
    except BaseException:
        container.shutdown_resources()  # whatever did start (worker threads) stops again
        raise
    maintenance = None
    if sweep:
        maintenance = container.maintenance()
        maintenance.start()
    return Bulkio(container, maintenance)


__all__ = ["Bulkio", "NotFound", "open"]
