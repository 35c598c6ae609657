"""A running bulkio on either adapter set, for any test that drives it through the Python API.

    with embedded_bulkio(tmp_path) as bio: ...
        SQLite and local files under tmp_path, in-process worker threads and lock
    with production_bulkio(pg_url, redis_url, s3_endpoint, s3_bucket) as bio: ...
        PostgreSQL (migrated, emptied), S3, Redis lock, and a Dramatiq worker in this process

Keyword overrides are environment variables, read through `bulkio.config.from_env` like the
real thing: `production_bulkio(..., JOB_BATCH_SIZE=500)`. Each production handle gets its own
Redis key namespace (queue and locks), so a message left over by one test never reaches the
next one's worker, and deletes its keys on exit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from dependency_injector import providers

import bulkio
from bulkio.adapters.dramatiq_queue import redis_broker
from bulkio.adapters.redis_lock import RedisJobLock
from bulkio.adapters.sql.engine import create_engine_for
from bulkio.adapters.sql.migrate import upgrade
from bulkio.adapters.sql.tables import metadata
from bulkio.api import Bulkio
from bulkio.config import Settings, from_env
from bulkio.container import build
from bulkio.entrypoints.worker import JobWorker

STOP_TIMEOUT_S = 15.0


def production_env(pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str,
                   **overrides: object) -> dict[str, str]:
    """The environment of a production node (also what `bulkio` subprocesses get)."""
    env = {
        "DATABASE_URL": pg_url, "REDIS_URL": redis_url, "AWS_S3_BUCKET": s3_bucket,
        "AWS_S3_ENDPOINT": s3_endpoint, "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def empty_database(pg_url: str) -> None:
    """Migrate the database to head, then empty every table bulkio owns."""
    upgrade(pg_url)
    engine = create_engine_for(pg_url)
    try:
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


def open_production(settings: Settings, namespace: str) -> Bulkio:
    """`bulkio.open(settings)`, with the queue and the locks under their own Redis namespace."""
    assert settings.redis_url is not None, "the production set needs a Redis URL"
    container = build(settings)
    container.broker.override(providers.Singleton(redis_broker, settings.redis_url,
                                                  namespace=namespace))
    ttl_ms = int(settings.jobs.stale_after.total_seconds() * 1000)
    container.lock.override(providers.Singleton(RedisJobLock, settings.redis_url, ttl_ms=ttl_ms,
                                                prefix=f"{namespace}:lock:"))
    container.init_resources()
    handle = Bulkio(container)
    container.sweeper().sweep()  # as `bulkio.open` does on a distributed queue
    return handle


@contextmanager
def worker_running(bio: Bulkio, threads: int = 2) -> Iterator[JobWorker]:
    """A Dramatiq worker (and its sweep) in threads of this process, consuming bio's queue."""
    settings = bio.container.settings()
    worker = JobWorker(bio.container, threads, settings.sweep_every_s)
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
    leaves the queue unconsumed until the test enters `worker_running(bio)` itself.
    """
    if fresh:
        empty_database(pg_url)
    else:
        upgrade(pg_url)
    settings = from_env(production_env(pg_url, redis_url, s3_endpoint, s3_bucket, **overrides))
    namespace = f"bulkio-test-{uuid.uuid4().hex[:10]}"
    bio = open_production(settings, namespace)
    try:
        if worker:
            with worker_running(bio, threads):
                yield bio
        else:
            yield bio
    finally:
        _close(bio, redis_url, namespace)


def _close(bio: Bulkio, redis_url: str, namespace: str) -> None:
    broker, lock = bio.container.broker(), bio.container.lock()
    bio.close()
    lock.close()
    broker.client.close()
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(f"{namespace}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@contextmanager
def embedded_bulkio(tmp_path: Path, **overrides: object) -> Iterator[Bulkio]:
    """bulkio on SQLite and local files under `tmp_path`, in-process worker; closed on exit."""
    env: Mapping[str, Any] = {"BULKIO_DATA_DIR": str(tmp_path / "data"), **overrides}
    bio = bulkio.open({name: str(value) for name, value in env.items()})
    try:
        yield bio
    finally:
        bio.close()
