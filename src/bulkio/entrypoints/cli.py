"""The `bulkio` command: import, validate, export, jobs, errors, serve, worker, migrate, storage.

For people and for scripts alike: data and `--json` answers go to standard output, messages and
progress to standard error, nothing wraps when piped, every mistake is one line and an exit code
(`bulkio.entrypoints.exits`), and every enumeration is a choice the shell can complete.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from bulkio.api import Bulkio
from bulkio.api import open as open_bulkio
from bulkio.domain.errors import BulkioError
from bulkio.domain.jobs import JobKind, JobStatus
from bulkio.domain.resources import RESOURCES
from bulkio.services import render
from bulkio.entrypoints.configured import settings
from bulkio.entrypoints.exits import ExitCode, exit_code, one_line
from bulkio.entrypoints.following import console, follow, now, summary
from bulkio.entrypoints.logs import route_retries
from bulkio.formats import Format

RESOURCE = click.Choice(list(RESOURCES))
FORMAT = click.Choice([f.value for f in Format])
STATUS = click.Choice([s.value for s in JobStatus])
KIND = click.Choice([k.value for k in JobKind])
SHELLS = click.Choice(["bash", "zsh", "fish"])
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)
_JSON = click.option("--json", "as_json", is_flag=True,
                     help="print the result as JSON on standard output")
_KEEP_FORMULAS = click.option(
    "--keep-formulas", is_flag=True,
    help="CSV: write text starting with = + - @ tab or CR raw (default: a leading ' so "
         "spreadsheets do not run it)")


def _filters(pairs: tuple[str, ...]) -> dict[str, str]:
    filters = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--filter")
        filters[name] = value
    return filters


def _print_json(value: Any) -> None:
    """Print JSON values, job views (`render`) among them, indented."""
    click.echo(json.dumps(render.as_json(value), indent=2, default=str))


class _Commands(click.Group):
    """Ends every command with its exit code: errors become one line on standard error."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as stop:
            sys.exit(stop.exit_code)
        except click.Abort:
            click.echo("Error: interrupted", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            sys.exit(ExitCode.OK)  # the reader (`| head`) has all it wanted
        except (click.ClickException, BulkioError, OSError) as err:
            click.echo(one_line(err), err=True)
            sys.exit(exit_code(err))
        sys.exit(result if isinstance(result, int) else ExitCode.OK)


@click.group(cls=_Commands)
@click.version_option(package_name="bulkio")
def main() -> None:
    """Bulk import and export of users, articles and comments."""


def _wait_or_not(bio: Bulkio, job_id: str, no_wait: bool, timeout: float | None,
                 quiet: bool, as_json: bool) -> int:
    job = bio.get_job(job_id)
    if no_wait:
        if as_json:
            _print_json(render.job(job, now()))
        else:
            click.echo(job.id)
        return ExitCode.OK
    job = follow(bio, job, quiet, timeout)
    if as_json:
        _print_json(render.job(job, now()))
    if not job.is_terminal:
        console.print(f"job {job.id} is still {job.status}; see `bulkio jobs show {job.id}`")
        return ExitCode.STILL_RUNNING
    return summary(job)


_WAITING = [
    click.option("--no-wait", is_flag=True, help="queue the job, print its id and return"),
    click.option("--timeout", type=click.FloatRange(min=0), default=None,
                 help="stop waiting after SECONDS (exit 8; the job goes on)"),
    click.option("--quiet", "-q", is_flag=True, help="no progress bar, no summary"),
    _JSON,
]


def _waiting(command: Any) -> Any:
    for option in reversed(_WAITING):
        command = option(command)
    return command


_DELIMITER = click.option(
    "--delimiter", "-d", default=None, metavar="CHAR",
    help="a CSV file's field delimiter, e.g. ';' or $'\\t' (default: a sep= first line, else "
         "the header's most frequent of , ; tab |)")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resource", "-r", type=RESOURCE, required=True)
@click.option("--format", "-f", "fmt", type=FORMAT, default=None, help="default: guessed")
@_DELIMITER
@click.option("--dry-run", is_flag=True, help="validate and count, write nothing")
@click.option("--idempotency-key", default=None,
              help="run again with the same key and file to follow the first run's job")
@_waiting
def import_(file: Path, resource: str, fmt: str | None, delimiter: str | None, dry_run: bool,
            idempotency_key: str | None, no_wait: bool, timeout: float | None, quiet: bool,
            as_json: bool) -> int:
    """Import FILE into RESOURCE; exits 1 if the job failed, 9 if every row failed."""
    with _open() as bio:
        job = bio.import_file(file, resource, fmt, dry_run=dry_run,
                              idempotency_key=idempotency_key, delimiter=delimiter)
        return _wait_or_not(bio, job.id, no_wait, timeout, quiet, as_json)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resource", "-r", type=RESOURCE, required=True)
@click.option("--format", "-f", "fmt", type=FORMAT, default=None, help="default: guessed")
@_DELIMITER
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="stop waiting after SECONDS (exit 8)")
@click.option("--quiet", "-q", is_flag=True, help="no progress bar, no summary")
@_JSON
def validate(file: Path, resource: str, fmt: str | None, delimiter: str | None,
             timeout: float | None, quiet: bool, as_json: bool) -> int:
    """Check FILE with the server's exact rules, offline; exits 1 if any row is invalid (9 if
    every row is)."""
    with _open() as bio:
        job = bio.import_file(file, resource, fmt, dry_run=True, delimiter=delimiter)
        code = _wait_or_not(bio, job.id, False, timeout, quiet, as_json)
        job = bio.get_job(job.id)
        return code or (ExitCode.JOB_FAILED if job.counters.failed else ExitCode.OK)


@main.command()
@click.option("--resource", "-r", type=RESOURCE, required=True)
@click.option("--format", "-f", "fmt", type=FORMAT, default="ndjson", show_default=True)
@click.option("--filter", "filters", multiple=True, help="NAME=VALUE, e.g. status=published")
@click.option("--fields", default=None, help="comma-separated columns")
@click.option("--output", "-o", type=OUTPUT, default=None, help="default: standard output")
@_KEEP_FORMULAS
@_JSON
def export(resource: str, fmt: str, filters: tuple[str, ...], fields: str | None,
           output: Path | None, keep_formulas: bool, as_json: bool) -> None:
    """Export RESOURCE to a file (or standard output)."""
    if as_json and output is None:
        raise click.UsageError("--json needs --output: the records themselves go to standard output")
    chosen = [f.strip() for f in fields.split(",")] if fields else None
    with _open() as bio:
        target = output if output is not None else sys.stdout.buffer
        size = bio.export_to(target, resource, fmt, _filters(filters), chosen, keep_formulas)
    if as_json:
        _print_json({"resourceType": resource, "format": fmt, "output": str(output),
                     "fileSize": size})
    elif output is not None:
        console.print(f"wrote {size:,} bytes to {output}")


@main.group(invoke_without_command=True)
@click.option("--status", type=STATUS, default=None)
@click.option("--kind", type=KIND, default=None)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_JSON
@click.pass_context
def jobs(ctx: click.Context, status: str | None, kind: str | None, limit: int,
         as_json: bool) -> None:
    """List recent jobs, newest first (or `jobs show ID`)."""
    if ctx.invoked_subcommand:
        return
    with _open() as bio:
        found = bio.jobs(kind=kind, status=status, limit=limit)
        if as_json:
            _print_json([render.job(job, now()) for job in found])
            return
        for job in found:
            click.echo(f"{job.id}  {job.kind:6}  {job.resource:8}  {job.status:10}  "
                       f"{job.counters.processed:>9,} rows  {render.iso(job.created_at)}")


@jobs.command("show")
@click.argument("job_id")
def show(job_id: str) -> None:
    """Print one job as JSON."""
    with _open() as bio:
        _print_json(render.job(bio.get_job(job_id), now()))


@main.command()
@click.argument("job_id")
@_waiting
def resume(job_id: str, no_wait: bool, timeout: float | None, quiet: bool, as_json: bool) -> int:
    """Run a failed job again: an import goes on after its last committed batch."""
    with _open() as bio:
        job = bio.resume(job_id)
        console.print(f"job {job.id} resumed after row {job.checkpoint:,}")
        return _wait_or_not(bio, job.id, no_wait, timeout, quiet, as_json)


@main.command()
@click.argument("job_id")
@click.option("--format", "-f", "fmt", type=FORMAT, default="csv", show_default=True)
@click.option("--output", "-o", type=OUTPUT, default=None, help="default: standard output")
@click.option("--json", "as_json", is_flag=True,
              help="print the row errors (row, field, code, message, value) as a JSON array")
@_KEEP_FORMULAS
def errors(job_id: str, fmt: str, output: Path | None, as_json: bool, keep_formulas: bool) -> None:
    """Write a job's error report: failed rows, their values and errors, ready to fix."""
    with _open() as bio:
        if as_json:
            _print_json([render.row_error(e) for e in _all_errors(bio, job_id)])
            return
        chunks = bio.error_report(job_id, fmt, keep_formulas)
        with output.open("wb") if output else _stdout() as out:
            for chunk in chunks:
                out.write(chunk)


def _all_errors(bio: Bulkio, job_id: str, page: int = 1000) -> list[Any]:
    found, offset = [], 0
    while batch := bio.errors(job_id, offset, page):
        found += batch
        offset += len(batch)
    if not found:
        bio.get_job(job_id)  # NotFound for an unknown id
    return found


class _stdout:
    """Standard output's bytes, flushed and left open."""

    def __enter__(self) -> Any:
        return sys.stdout.buffer

    def __exit__(self, *exc: object) -> None:
        sys.stdout.buffer.flush()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="the address to listen on; 0.0.0.0 for every interface")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="default: PORT, else 3000")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              default=None, help="default: LOG_LEVEL, else info")
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


@main.command()
@click.argument("shell", type=SHELLS)
def completion(shell: str) -> None:
    """Print the shell completion script: eval "$(bulkio completion bash)"."""
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)
    assert complete is not None  # every choice of SHELLS has a class
    click.echo(complete(main, {}, "bulkio", "_BULKIO_COMPLETE").source())


def terminal_log() -> None:
    """bulkio's warnings and stamina's retries as `OneLineLog` lines on standard error: never
    a line of an export written to standard output."""
    route_retries()
    for name in ("bulkio", "stamina"):
        logger = logging.getLogger(name)
        if not any(isinstance(handler, OneLineLog) for handler in logger.handlers):
            logger.addHandler(OneLineLog(logging.WARNING))


def _open() -> Bulkio:
    terminal_log()
    return open_bulkio(settings())  # the same settings as `bulkio serve` and `bulkio worker`


def run() -> None:
    """The `bulkio` console script."""
    main()


def _register_operator_commands() -> None:
    from bulkio.entrypoints.ops import migrate, storage, sweep, worker

    for command in (migrate, worker, sweep, storage):
        main.add_command(command)


_register_operator_commands()


if __name__ == "__main__":
    run()
