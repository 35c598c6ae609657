"""Fixtures for the production set: nodes as subprocesses, a client in this process, and
probes that read the database directly (the job row is the source of truth).

Every test here needs PostgreSQL, Redis and the S3 endpoint; a missing one fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import bulkio
from bulkio.adapters.sql.engine import create_engine_for
from bulkio.adapters.sql.jobs import SqlJobRepository
from bulkio.api import Bulkio
from bulkio.domain.jobs import Job
from tests.integration.cluster import Cluster
from tests.production import QUICK_RESEND, empty_database, forget_namespace, production_env

@pytest.fixture
def node_env(pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str) -> dict[str, str]:
    """The environment every node of one test shares: an empty database, a new bucket, a
    Redis namespace of its own."""
    empty_database(pg_url)
    return production_env(pg_url, redis_url, s3_endpoint, s3_bucket, **QUICK_RESEND)


@pytest.fixture
def cluster(node_env: dict[str, str], redis_url: str, tmp_path: Path) -> Iterator[Cluster]:
    """Starts `bulkio` subprocesses; kills every one of them at the end of the test."""
    nodes = Cluster(node_env, tmp_path)
    yield nodes
    nodes.stop_all()
    forget_namespace(redis_url, node_env["BULKIO_REDIS_NAMESPACE"])


@pytest.fixture
def client(node_env: dict[str, str]) -> Iterator[Bulkio]:
    """bulkio opened in this process on the nodes' environment: submits jobs, runs none."""
    handle = bulkio.open(node_env)
    yield handle
    handle.close()


class Database:
    """Reads what the nodes wrote, straight from PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine_for(url)
        self.jobs = SqlJobRepository(self.engine)

    def job(self, job_id: str) -> Job:
        return self.jobs.get(job_id)

    def scalar(self, sql: str, **params: object) -> object:
        with self.engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def rows(self, sql: str, **params: object) -> list[sa.Row]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))


@pytest.fixture
def database(pg_url: str, node_env: dict[str, str]) -> Iterator[Database]:
    db = Database(pg_url)
    yield db
    db.engine.dispose()
