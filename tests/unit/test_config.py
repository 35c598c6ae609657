"""Settings from the environment, with the seed's variable names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bulkio.config import from_env


def test_everything_is_embedded_when_nothing_is_configured() -> None:
    s = from_env({})
    assert (s.database_url, s.redis_url, s.s3_bucket) == (None, None, None)
    assert s.sql_url == "sqlite:///.bulkio/bulkio.db"
    assert (s.port, s.api_prefix, s.api_keys, s.concurrency) == (3000, "v1", (), 2)
    assert s.jobs.batch_size == 1000 and not s.distributed_queue


def test_the_seed_database_variables_make_a_postgres_url_when_set() -> None:
    s = from_env({"DATABASE_HOST": "db", "DATABASE_PORT": "5433", "DATABASE_USERNAME": "app",
                  "DATABASE_PASSWORD": "p@ss word", "DATABASE_NAME": "bulk"})
    assert s.sql_url == "postgresql+psycopg://app:p%40ss%20word@db:5433/bulk"


def test_a_plain_postgres_url_gets_the_psycopg_driver_when_given() -> None:
    assert from_env({"DATABASE_URL": "postgres://u@h/d"}).sql_url == "postgresql+psycopg://u@h/d"


def test_redis_and_s3_switch_on_the_production_adapters_when_set() -> None:
    s = from_env({"REDIS_HOST": "cache", "AWS_S3_BUCKET": "b", "AWS_S3_ENDPOINT": "http://s3:9000",
                  "BULKIO_REDIS_NAMESPACE": "tenant-a"})
    assert (s.redis_url, s.redis_namespace) == ("redis://cache:6379/0", "tenant-a")
    assert (s.s3_bucket, s.s3_endpoint, s.s3_region) == ("b", "http://s3:9000", "us-east-1")
    assert s.distributed_queue


def test_keys_thresholds_and_limits_are_read_when_given() -> None:
    s = from_env({
        "API_KEY": " k1, k2 ,,", "API_PREFIX": "/api/", "PORT": "8080", "JOB_BATCH_SIZE": "500",
        "JOB_CONCURRENCY": "4", "JOB_STALE_LOCK_THRESHOLD_MS": "2000",
        "JOB_STALE_THRESHOLD_MS": "3000", "JOB_RESTART_STALE_JOBS": "false",
        "JOB_MAX_ATTEMPTS": "3", "MAX_UPLOAD_BYTES": "1024", "BULKIO_DATA_DIR": "/var/bulkio",
        "URL_IMPORT_ALLOW_HOSTS": "127.0.0.1:8000, files.local",
    })
    assert (s.api_keys, s.api_prefix, s.port, s.concurrency) == (("k1", "k2"), "api", 8080, 4)
    j = s.jobs
    assert (j.batch_size, j.max_attempts, j.max_upload_bytes, j.restart_stale) == (500, 3, 1024, False)
    assert (j.stale_after, j.requeue_after) == (timedelta(seconds=2), timedelta(seconds=3))
    assert s.data_dir == Path("/var/bulkio")
    assert s.url_allow_hosts == {"127.0.0.1:8000", "files.local"}
