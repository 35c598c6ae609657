"""Operator commands: migrate, storage init, worker, sweep."""

from __future__ import annotations

import click

from bulkio.container import Container, build
from bulkio.entrypoints.configured import settings as configured
from bulkio.entrypoints.logs import start
from bulkio.entrypoints.memory import return_freed_memory


@click.command()
@click.option("--no-storage", is_flag=True, help="leave the S3 bucket or files folder alone")
def migrate(no_storage: bool) -> None:
    """Apply the database migrations (PostgreSQL: Alembic; SQLite: create the schema), then
    create the storage bucket or folder if missing (`bulkio storage init`)."""
    container = build(configured())
    where = container.migrate()
    click.echo(f"database is at the latest schema: {where}", err=True)
    if not no_storage:
        _prepare_storage(container)


@click.group()
def storage() -> None:
    """The file storage: local folder or S3 bucket."""


@storage.command("init")
def storage_init() -> None:
    """Create the S3 bucket (AWS_S3_BUCKET) or the files folder if it does not exist."""
    _prepare_storage(build(configured()))


def _prepare_storage(container: Container) -> None:
    container.storage().prepare()
    settings = container.settings()
    where = f"S3 bucket {settings.s3_bucket}" if settings.s3_bucket else str(settings.storage_dir)
    click.echo(f"storage is ready: {where}", err=True)


@click.command()
@click.option("--threads", type=click.IntRange(min=1), default=None, help="default: JOB_CONCURRENCY")
@click.option("--health-port", type=click.IntRange(1, 65535), default=None,
              help="answer GET /health/live and /health/ready on this port (for health checks)")
@click.option("--health-host", default="127.0.0.1", show_default=True,
              help="the address of the health endpoint; 0.0.0.0 for every interface")
def worker(threads: int | None, health_port: int | None, health_host: str) -> None:
    """Run a Dramatiq worker (needs REDIS_URL); any number may run on any hosts."""
    from bulkio.entrypoints.worker import run

    settings = configured()
    start(settings, "worker")
    return_freed_memory()
    container = build(settings)
    container.init_resources()
    try:
        run(container, threads or settings.concurrency, settings.metrics_port,
            health=(health_host, health_port) if health_port else None)
    finally:
        container.shutdown_resources()


@click.command()
def sweep() -> None:
    """One maintenance pass: recover stale jobs, re-send pending ones whose message was lost,
    forget expired Idempotency-Keys, delete expired export files."""
    container = build(configured())
    container.init_resources()
    try:
        report = container.maintenance().run_once()
        done = report.sweep
        click.echo(f"recovered {done.recovered}, failed {done.failed}, requeued {done.requeued}, "
                   f"skipped {done.skipped} (locked), keys expired {report.keys_purged}, "
                   f"export files deleted {report.files_deleted}")
    finally:
        container.shutdown_resources()
