"""Every process type runs the same maintenance: the HTTP server, the Dramatiq worker and the
Python API each forget expired Idempotency-Keys and delete expired export files (besides
sweeping jobs), whatever else runs beside them; `bulkio sweep` runs one pass by hand."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

import bulkio
from bulkio.config import from_env
from bulkio.container import Container, build
from bulkio.domain.errors import NotFound
from bulkio.domain.jobs import Job, JobKind
from bulkio.entrypoints.cli import main
from bulkio.entrypoints.http import create_app
from tests.integration.cluster import eventually
from tests.production import production_bulkio, worker_running

WAIT_S = 30
QUICK = {"JOB_SWEEP_INTERVAL_MS": "100"}
FILE = "exports/expired.csv"


def expired_things(container: Container) -> str:
    """An export job whose file expired a minute ago and an Idempotency-Key that expired an
    hour ago, stored through the container's adapters; returns the job's id."""
    now = container.clock().now()
    container.storage().put(FILE, [b"id,email\n"])
    job = Job(id=container.ids().new_id(), kind=JobKind.EXPORT, resource="users", format="csv",
              created_at=now - timedelta(hours=3), updated_at=now - timedelta(hours=3))
    job.start("a-worker", now - timedelta(hours=3))
    job.complete(now - timedelta(hours=2), result_key=FILE, expires_at=now - timedelta(minutes=1))
    container.job_repository().add(job)
    container.idempotency_store().begin("a-scope", "a-key", "a-request",
                                        now - timedelta(hours=2), timedelta(hours=1))
    return job.id


def assert_maintained(container: Container, job_id: str) -> None:
    """Wait for a maintenance pass to delete the file, then check it also forgot the key."""
    jobs = container.job_repository()
    eventually(lambda: jobs.get(job_id).result_key is None, WAIT_S, "the expired file deleted")
    with pytest.raises(NotFound):
        container.storage().size(FILE)
    # One pass forgets keys before it deletes files: nothing is left to purge.
    assert container.idempotency_store().purge(container.clock().now()) == 0


def seeded_embedded(env: dict[str, str]) -> str:
    seeding = build(from_env(env))
    seeding.init_resources()
    try:
        return expired_things(seeding)
    finally:
        seeding.shutdown_resources()


def test_the_python_api_maintains_when_opened(tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), **QUICK}
    job_id = seeded_embedded(env)

    with bulkio.open(env) as bio:
        assert_maintained(bio.container, job_id)


def test_the_http_server_maintains_when_serving(tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), **QUICK}
    job_id = seeded_embedded(env)
    container = build(from_env(env))

    with TestClient(create_app(container, maintain=True)):
        assert_maintained(container, job_id)


def test_the_sweep_command_runs_one_maintenance_pass(tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "",
           "AWS_S3_BUCKET": "", "DATABASE_HOST": "", "REDIS_HOST": ""}
    job_id = seeded_embedded(env)

    result = CliRunner().invoke(main, ["sweep"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "keys expired 1, export files deleted 1" in result.output
    container = build(from_env(env))
    container.init_resources()
    try:
        assert_maintained(container, job_id)
    finally:
        container.shutdown_resources()


@pytest.mark.services
def test_the_worker_maintains_when_consuming(pg_url: str, redis_url: str, s3_endpoint: str,
                                              s3_bucket: str) -> None:
    # The handle itself runs no maintenance (it only submits): the worker's thread does it.
    with production_bulkio(pg_url, redis_url, s3_endpoint, s3_bucket, worker=False,
                           **QUICK) as bio:
        job_id = expired_things(bio.container)
        with worker_running(bio):
            assert_maintained(bio.container, job_id)
