"""The `bulkio` command: import, validate, export, jobs, errors, serve, worker, migrate."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from bulkio.api import Bulkio
from bulkio.api import open as open_bulkio
from bulkio.domain.errors import BulkioError
from bulkio.domain.jobs import Job, JobStatus
from bulkio.entrypoints.configured import settings
from bulkio.services import render

console = Console(stderr=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _filters(pairs: tuple[str, ...]) -> dict[str, str]:
    filters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--filter")
        filters[name] = value
    return filters


def _follow(bio: Bulkio, job: Job, quiet: bool) -> Job:
    """Show a live progress bar (rows/s, ETA) until the job ends."""
    if quiet or not console.is_terminal:
        return bio.wait(job.id)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(),
               TextColumn("{task.percentage:>5.1f}%"), TextColumn("{task.fields[rows]:,} rows"),
               TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"{job.kind} {job.resource}", total=100, rows=0, rate=0)
        while not job.is_terminal:
            time.sleep(0.25)
            job = bio.get_job(job.id)
            m = job.metrics(_now())
            bar.update(task, completed=job.progress(), rows=job.counters.processed,
                       rate=m.rows_per_second)
        bar.update(task, completed=100 if job.status is JobStatus.COMPLETED else job.progress())
    return job


def _summary(job: Job) -> int:
    c, m = job.counters, job.metrics(_now())
    if job.status is not JobStatus.COMPLETED:
        console.print(f"[red]job {job.id} {job.status}[/]: {escape(job.failure or '')}")
        return 1
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
    return 0


class _Commands(click.Group):
    """Every command's domain errors become one-line messages (exit 1), never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BulkioError as err:
            raise click.ClickException(str(err)) from err


@click.group(cls=_Commands)
@click.version_option(package_name="bulkio")
def main() -> None:
    """Bulk import and export of users, articles and comments."""


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resource", "-r", required=True, help="users, articles or comments")
@click.option("--format", "-f", "fmt", default=None, help="csv, ndjson or json (default: guessed)")
@click.option("--dry-run", is_flag=True, help="validate and count, write nothing")
@click.option("--quiet", "-q", is_flag=True)
def import_(file: Path, resource: str, fmt: str | None, dry_run: bool, quiet: bool) -> None:
    """Import FILE into RESOURCE; exits non-zero if the job failed."""
    with _open() as bio:
        job = bio.import_file(file, resource, fmt, dry_run=dry_run)
        sys.exit(_summary(_follow(bio, job, quiet)))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resource", "-r", required=True)
@click.option("--format", "-f", "fmt", default=None)
def validate(file: Path, resource: str, fmt: str | None) -> None:
    """Check FILE with the server's exact rules, offline; exits 1 if any row is invalid."""
    with _open() as bio:
        job = _follow(bio, bio.import_file(file, resource, fmt, dry_run=True), quiet=False)
        code = _summary(job)
        sys.exit(code or (1 if job.counters.failed else 0))


@main.command()
@click.option("--resource", "-r", required=True)
@click.option("--format", "-f", "fmt", default="ndjson", show_default=True)
@click.option("--filter", "filters", multiple=True, help="NAME=VALUE, e.g. status=published")
@click.option("--fields", default=None, help="comma-separated columns")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(resource: str, fmt: str, filters: tuple[str, ...], fields: str | None,
           output: Path | None) -> None:
    """Export RESOURCE to a file (or standard output)."""
    chosen = [f.strip() for f in fields.split(",")] if fields else None
    with _open() as bio:
        target = output if output is not None else sys.stdout.buffer
        size = bio.export_to(target, resource, fmt, _filters(filters), chosen)
        if output is not None:
            console.print(f"wrote {size:,} bytes to {output}")


@main.group(invoke_without_command=True)
@click.option("--status", default=None)
@click.option("--limit", default=20, show_default=True)
@click.pass_context
def jobs(ctx: click.Context, status: str | None, limit: int) -> None:
    """List recent jobs (or `jobs show ID`)."""
    if ctx.invoked_subcommand:
        return
    with _open() as bio:
        for job in bio.jobs(status=status, limit=limit):
            console.print(f"{job.id}  {job.kind:6}  {job.resource:8}  {job.status:10}  "
                          f"{job.counters.processed:>9,} rows  {render.iso(job.created_at)}")


@jobs.command("show")
@click.argument("job_id")
def show(job_id: str) -> None:
    """Print one job as JSON."""
    with _open() as bio:
        click.echo(json.dumps(render.job(bio.get_job(job_id), _now()), indent=2, default=str))


@main.command()
@click.argument("job_id")
@click.option("--quiet", "-q", is_flag=True)
@click.option("--no-wait", is_flag=True, help="return once the job is queued again")
def resume(job_id: str, quiet: bool, no_wait: bool) -> None:
    """Run a failed job again: an import goes on after its last committed batch."""
    with _open() as bio:
        job = bio.resume(job_id)
        console.print(f"job {job.id} resumed after row {job.checkpoint:,}")
        if not no_wait:
            sys.exit(_summary(_follow(bio, job, quiet)))


@main.command()
@click.argument("job_id")
@click.option("--format", "-f", "fmt", default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
def errors(job_id: str, fmt: str, output: Path | None) -> None:
    """Write a job's error report: failed rows, their values and errors, ready to fix."""
    with _open() as bio:
        chunks = bio.error_report(job_id, fmt)
        out = output.open("wb") if output else sys.stdout.buffer
        for chunk in chunks:
            out.write(chunk)
        out.flush()


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=int, default=None, help="default: PORT, else 3000")
@click.option("--log-level", default=None, help="default: LOG_LEVEL, else info")
def serve(host: str, port: int | None, log_level: str | None) -> None:
    """Serve the REST API (with an in-process worker unless REDIS_URL is set)."""
    from bulkio.entrypoints.http.serve import serve as run_server

    run_server(settings(), host, port, log_level)


class OneLineLog(logging.Handler):
    """bulkio's warnings and errors on the terminal, one line each, without tracebacks: an
    exception's text can quote a SQL statement, and the job's own failure reason says what
    happened (the embedded worker runs in this process, so its log is this terminal)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _open() -> Bulkio:
    logger = logging.getLogger("bulkio")
    if not any(isinstance(handler, OneLineLog) for handler in logger.handlers):
        logger.addHandler(OneLineLog(logging.WARNING))
    return open_bulkio(settings())  # the same settings as `bulkio serve` and `bulkio worker`


def run() -> None:
    """The `bulkio` console script."""
    main()


def _register_operator_commands() -> None:
    from bulkio.entrypoints.ops import migrate, sweep, worker

    for command in (migrate, worker, sweep):
        main.add_command(command)


_register_operator_commands()


if __name__ == "__main__":
    run()
