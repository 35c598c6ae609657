"""A running bulkio on either adapter set, for any test that drives it through the Python API.

    with embedded_bulkio(tmp_path) as bio: ...
        SQLite and local files under tmp_path, in-process worker threads and lock
    with production_bulkio(pg_url, redis_url, s3_endpoint, s3_bucket) as bio: ...
        PostgreSQL (migrated, emptied), S3, Redis lock, and a Dramatiq worker in this process

Keyword overrides are environment variables, read through `bulkio.config.from_env` like the
real thing: `production_bulkio(..., JOB_BATCH_SIZE=500)`. Each production handle gets its own
Redis key namespace (queue and locks, `BULKIO_REDIS_NAMESPACE` in `production_env`), so a
message left over by one test never reaches the next one's worker, and deletes its keys on exit.
No test touches a Redis key outside its own namespace.

Opening one costs about half a second (worker start and stop). Many short tests can share one
handle instead and empty the database before each (`empty_database(pg_url)`):

    @pytest.fixture(scope="session")
    def production_set(pg_url, redis_url, s3_endpoint):
        with production_bulkio(pg_url, redis_url, s3_endpoint, new_bucket(s3_endpoint)) as bio:
            yield bio
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import redis

import bulkio
from bulkio.adapters.sql.engine import create_engine_for
from bulkio.adapters.sql.migrate import upgrade
from bulkio.adapters.sql.tables import metadata
from bulkio.api import Bulkio
from bulkio.config import Settings, from_env
from bulkio.container import build
from bulkio.entrypoints.worker import JobWorker

STOP_TIMEOUT_S = 15.0
IDLE_POLL_MS = 50  # a test's worker picks up a new job within this; production polls slower
# A queue message lost while a test waits (another test session flushing the shared Redis
# database, say) is sent again by the sweep within seconds, not after the production 30 minutes.
QUICK_RESEND = {"JOB_STALE_THRESHOLD_MS": 3000, "JOB_SWEEP_INTERVAL_MS": 1000}


def production_env(pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str,
                   **overrides: object) -> dict[str, str]:
    """The environment of a production node (also what `bulkio` subprocesses get)."""
    env = {
        "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "AWS_S3_BUCKET": s3_bucket,
        "AWS_S3_ENDPOINT": s3_endpoint, "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "BULKIO_REDIS_NAMESPACE": new_namespace(),
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def new_namespace() -> str:
    """A Redis key namespace of its own (queue and locks) for one test's bulkio."""
    return f"bulkio-test-{uuid.uuid4().hex[:10]}"


def forget_namespace(redis_url: str, namespace: str) -> None:
    """Delete every Redis key under `namespace` (queue messages, acks, heartbeats, locks)."""
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


_migrated: set[str] = set()


def migrated(pg_url: str) -> None:
    """Migrate the database to head (once per URL and test process)."""
    if pg_url not in _migrated:
        upgrade(pg_url)
        _migrated.add(pg_url)


def new_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the S3 endpoint (for handles that outlive one test)."""
    name = f"bulkio-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


def empty_database(pg_url: str) -> None:
    """Migrate the database to head, then empty every table bulkio owns."""
    migrated(pg_url)
    engine = create_engine_for(pg_url)
    try:
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


def open_production(settings: Settings) -> Bulkio:
    """`bulkio.open(settings)` without its periodic sweep: one sweep now, as a distributed
    queue's start-up does (the test's worker sweeps from then on)."""
    assert settings.redis_url and settings.redis_namespace, "a test's Redis needs its namespace"
    container = build(settings)
    container.init_resources()
    handle = Bulkio(container)
    container.sweeper().sweep()
    return handle


@contextmanager
def worker_running(bio: Bulkio, threads: int = 2) -> Iterator[JobWorker]:
    """A Dramatiq worker (and its sweep) in threads of this process, consuming bio's queue."""
    worker = JobWorker(bio.container, threads, idle_poll_ms=IDLE_POLL_MS)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(timeout_s=STOP_TIMEOUT_S)


def broker_keys(bio: Bulkio) -> list[str]:
    """The Redis keys of bio's queue namespace (messages, acks, heartbeats)."""
    broker = bio.container.broker()
    return sorted(k.decode() for k in broker.client.scan_iter(f"{broker.namespace}:*"))


@contextmanager
def production_bulkio(pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str, *,
                      worker: bool = True, threads: int = 2, fresh: bool = True,
                      **overrides: object) -> Iterator[Bulkio]:
    """bulkio on PostgreSQL + S3 + Redis/Dramatiq with a worker running; closed on exit.

    `fresh` empties the database first (the bucket is new per test already); `worker=False`
    leaves the queue unconsumed until the test enters `worker_running(bio)` itself. Pending
    jobs are sent again after 3 s (`QUICK_RESEND`) unless the overrides say otherwise.
    """
    if fresh:
        empty_database(pg_url)
    else:
        migrated(pg_url)
    overrides = {**QUICK_RESEND, **overrides}
    settings = from_env(production_env(pg_url, redis_url, s3_endpoint, s3_bucket, **overrides))
    bio = open_production(settings)
    try:
        if worker:
            with worker_running(bio, threads):
                yield bio
        else:
            yield bio
    finally:
        _close(bio, redis_url)


def _close(bio: Bulkio, redis_url: str) -> None:
    broker, lock = bio.container.broker(), bio.container.lock()
    namespace = bio.container.settings().redis_namespace
    bio.close()
    lock.close()
    broker.client.close()
    forget_namespace(redis_url, namespace)


@contextmanager
def embedded_bulkio(tmp_path: Path, **overrides: object) -> Iterator[Bulkio]:
    """bulkio on SQLite and local files under `tmp_path`, in-process worker; closed on exit."""
    env: Mapping[str, Any] = {"BULKIO_DATA_DIR": str(tmp_path / "data"), **overrides}
    bio = bulkio.open({name: str(value) for name, value in env.items()})
    try:
        yield bio
    finally:
        bio.close()
