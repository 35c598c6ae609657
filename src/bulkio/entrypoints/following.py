"""Waiting for a job in the terminal: a live progress bar, a note on what the wait is for, and
the summary at the end. Everything here writes to standard error, never wrapped, so standard
output stays for data and `--json`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bulkio.api import Bulkio
from bulkio.domain.jobs import Job, JobStatus
from bulkio.entrypoints.configured import settings
from bulkio.entrypoints.exits import ExitCode

# soft_wrap: a long line stays one line when piped or logged (rich wraps at 80 columns otherwise).
console = Console(stderr=True, soft_wrap=True)
POLL_S = 0.25
NOTE_AFTER_S = 2.0  # a job still queued after this long gets a note on what it waits for


def now() -> datetime:
    return datetime.now(UTC)


def waiting_for(job: Job) -> str:
    """Says what a queued job waits for: a worker on the Redis queue, or a free thread."""
    configured = settings()
    if configured.distributed_queue:
        where = _without_password(configured.redis_url or "")
        namespace = configured.redis_namespace or "dramatiq"
        return (f"job {job.id} is queued on Redis ({where}, namespace {namespace!r}, from "
                f"REDIS_URL/REDIS_HOST) and waits for a worker: start one with `bulkio worker` "
                f"with the same settings; Ctrl-C stops waiting, the job stays queued")
    return f"job {job.id} waits for a free worker thread (JOB_CONCURRENCY={configured.concurrency})"


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "…@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def follow(bio: Bulkio, job: Job, quiet: bool, timeout: float | None = None) -> Job:
    """Poll until the job ends or `timeout` seconds pass; a progress bar on a terminal."""
    start = time.monotonic()
    noted = False
    bar = None if quiet or not console.is_terminal else _progress()
    task = None
    if bar is not None:
        bar.start()
        task = bar.add_task(f"{job.kind} {job.resource}", total=100, rows=0, rate=0)
    try:
        while not job.is_terminal:
            waited = time.monotonic() - start
            if timeout is not None and waited >= timeout:
                break
            if not noted and job.status is JobStatus.PENDING and waited >= NOTE_AFTER_S:
                console.print(escape(waiting_for(job)))
                noted = True
            time.sleep(POLL_S if timeout is None else max(0.0, min(POLL_S, timeout - waited)))
            job = bio.get_job(job.id)
            if bar is not None and task is not None:
                bar.update(task, completed=job.progress(), rows=job.counters.processed,
                           rate=job.metrics(now()).rows_per_second)
    finally:
        if bar is not None:
            bar.stop()
    return job


def _progress() -> Progress:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>5.1f}%"), TextColumn("{task.fields[rows]:,} rows"),
               TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeRemainingColumn())
    return Progress(*columns, console=console)


def summary(job: Job) -> int:
    """Print what the job did; the exit code: 0 when it completed, 1 when it did not, 9 when
    it completed but every one of its rows failed (`Job.every_row_failed`)."""
    c, m = job.counters, job.metrics(now())
    if job.status is not JobStatus.COMPLETED:
        console.print(f"[red]job {job.id} {job.status}[/]: {escape(job.failure or '')}")
        return ExitCode.JOB_FAILED
    console.print(
        f"[green]job {job.id} completed[/]{' (dry run: nothing written)' if job.dry_run else ''}: "
        f"{c.processed:,} rows, {c.created:,} created, {c.updated:,} updated, "
        f"{c.skipped:,} skipped, {c.failed:,} failed in {m.duration_ms / 1000:.1f}s "
        f"({m.rows_per_second:,.0f} rows/s)"
    )
    for warning in job.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    for error in job.errors[:10]:
        shown = "" if error.value is None else f": {error.value!r}"
        console.print(escape(f"  row {error.row} {error.field or '-'} [{error.code}] "
                             f"{error.message}{shown}"))
    if job.error_count > 10:
        console.print(f"  … {job.error_count - 10:,} more: bulkio errors {job.id}")
    if job.every_row_failed:
        console.print(f"[red]every row failed[/]: nothing was imported; bulkio errors {job.id}")
        return ExitCode.EVERY_ROW_FAILED
    return ExitCode.OK
