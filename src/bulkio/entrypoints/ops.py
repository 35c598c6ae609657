"""Operator commands: migrate, worker, sweep (one maintenance pass)."""

from __future__ import annotations

import click

from bulkio.container import build
from bulkio.entrypoints.configured import settings as configured
from bulkio.entrypoints.logs import start


@click.command()
def migrate() -> None:
    """Apply the database migrations (PostgreSQL: Alembic; SQLite: create the schema)."""
    from bulkio.adapters.sql.migrate import upgrade

    settings = configured()
    upgrade(settings.sql_url)
    click.echo(f"database is at the latest schema: {settings.sql_url.split('@')[-1]}")


@click.command()
@click.option("--threads", type=int, default=None, help="default: JOB_CONCURRENCY")
def worker(threads: int | None) -> None:
    """Run a Dramatiq worker (needs REDIS_URL); any number may run on any hosts."""
    from bulkio.entrypoints.worker import run

    settings = configured()
    start(settings, "worker")
    container = build(settings)
    container.init_resources()
    try:
        run(container, threads or settings.concurrency, settings.metrics_port)
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
