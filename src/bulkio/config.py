"""Settings: one typed `Settings` value for the CLI, the server, the worker and `bulkio.open()`,
read from the environment with the seed's variable names where they apply.

Nothing configured means the embedded set: SQLite and local files under BULKIO_DATA_DIR
(default `./.bulkio`), in-process worker threads and lock. Setting DATABASE_URL (or
DATABASE_HOST), AWS_S3_BUCKET, or REDIS_URL (or REDIS_HOST) switches that part to PostgreSQL,
S3, or Redis (lock) + Dramatiq (queue).

`from_env` checks every variable's type and range at once (pydantic-settings, see
`bulkio.environment`) and raises one `InvalidSettings` that lists every bad variable. Secrets
may come from files: `DATABASE_PASSWORD_FILE=/run/secrets/db` reads the password from that file.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from attrs import evolve, field, frozen

from bulkio.domain.errors import InvalidSettings
from bulkio.environment import Environment, read_environment
from bulkio.formats.limits import ReadLimits
from bulkio.services.settings import JobSettings
from bulkio.services.webhooks import WebhookSettings

__all__ = ["InvalidSettings", "Settings", "from_env"]


@frozen
class Settings:
    """Everything a bulkio process is configured with; paths may be given as plain strings."""

    data_dir: Path = field(default=Path(".bulkio"), converter=Path)
    database_url: str | None = field(default=None, repr=False)  # may hold a password
    redis_url: str | None = field(default=None, repr=False)
    redis_namespace: str | None = None  # queue and lock keys; None: Dramatiq's and bulkio's own
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_endpoint: str | None = None
    # None: boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, instance role).
    s3_access_key_id: str | None = field(default=None, repr=False)
    s3_secret_access_key: str | None = field(default=None, repr=False)
    # A hung S3 connection is given up after these (botocore's own default read timeout is 60 s).
    s3_connect_timeout_s: float = 5.0
    s3_read_timeout_s: float = 30.0
    port: int = 3000
    api_prefix: str = "v1"
    api_keys: tuple[str, ...] = field(default=(), converter=tuple, repr=False)
    concurrency: int = 2
    sweep_every_s: float = 300.0
    url_timeout_s: float = 300.0
    url_allow_hosts: frozenset[str] = field(default=frozenset(), converter=frozenset)
    idempotency_ttl: timedelta = timedelta(hours=24)
    lock_timeout_ms: int = 2000  # longest wait of a job write for a row another one holds
    health_timeout_ms: int = 2000  # longest wait of each readiness check
    log_format: str = "auto"  # json, console, or auto: console on a terminal, JSON otherwise
    log_level: str = "info"
    metrics_port: int = 9191  # a worker's Prometheus exporter (0: none); the API serves /metrics
    webhooks: WebhookSettings = field(default=WebhookSettings(), repr=False)  # holds the secret
    webhook_timeout_s: float = 10.0
    webhook_allow_loopback: bool = False  # for tests only: lets callbacks reach this machine
    jobs: JobSettings = JobSettings()

    @property
    def sql_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'bulkio.db'}"

    @property
    def storage_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def distributed_queue(self) -> bool:
        return self.redis_url is not None

    def with_(self, **changes: object) -> Settings:
        return evolve(self, **changes)


def _postgres_url(env: Environment) -> str | None:
    if env.database_url:
        url = env.database_url
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                url = "postgresql+psycopg://" + url[len(plain):]
        return url
    if not env.database_host:
        return None
    user = quote(env.database_username)
    auth = f"{user}:{quote(env.database_password)}" if env.database_password else user
    return f"postgresql+psycopg://{auth}@{env.database_host}:{env.database_port}/{env.database_name}"


def _redis_url(env: Environment) -> str | None:
    if env.redis_url:
        return env.redis_url
    if not env.redis_host:
        return None
    return f"redis://{env.redis_host}:{env.redis_port}/0"


def _ms(milliseconds: int) -> timedelta:
    return timedelta(milliseconds=milliseconds)


def _limits(env: Environment) -> ReadLimits:
    """The input limits; a record limit left unset grows with a larger value limit."""
    value = env.bulkio_max_value_chars
    record = env.bulkio_max_record_bytes or max(ReadLimits().max_record, 8 * value)
    try:
        return ReadLimits(max_value=value, max_record=record, max_columns=env.bulkio_max_columns,
                          max_depth=env.bulkio_max_depth, max_values=env.bulkio_max_values,
                          max_decompressed=env.bulkio_max_decompressed_bytes,
                          max_ratio=env.bulkio_max_gzip_ratio)
    except ValueError as err:
        raise InvalidSettings([f"BULKIO_MAX_RECORD_BYTES={record}: {err}"]) from None


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables (`os.environ` by default; see the README's
    configuration table). Raises `InvalidSettings` naming every variable that is wrong."""
    e = read_environment(os.environ if env is None else env)
    jobs = JobSettings(
        batch_size=e.job_batch_size,
        chunk_bytes=e.job_chunk_bytes,
        max_attempts=e.job_max_attempts,
        stale_after=_ms(e.job_stale_lock_threshold_ms),
        requeue_after=_ms(e.job_stale_threshold_ms),
        restart_stale=e.job_restart_stale_jobs,
        export_ttl=_ms(e.export_ttl_ms),
        outage_deadline=_ms(e.job_outage_deadline_ms),
        max_upload_bytes=e.max_upload_bytes,
        worker_id=e.bulkio_worker_id or f"{socket.gethostname()}:{os.getpid()}",
        limits=_limits(e),
    )
    return Settings(
        data_dir=e.bulkio_data_dir,
        database_url=_postgres_url(e),
        redis_url=_redis_url(e),
        redis_namespace=e.bulkio_redis_namespace,
        s3_bucket=e.aws_s3_bucket,
        s3_region=e.aws_region,
        s3_endpoint=e.aws_s3_endpoint,
        s3_access_key_id=e.aws_access_key_id,
        s3_secret_access_key=e.aws_secret_access_key,
        s3_connect_timeout_s=e.aws_s3_connect_timeout_ms / 1000,
        s3_read_timeout_s=e.aws_s3_read_timeout_ms / 1000,
        port=e.port,
        api_prefix=e.api_prefix.strip("/"),
        api_keys=tuple(k.strip() for k in e.api_key.split(",") if k.strip()),
        concurrency=e.job_concurrency,
        sweep_every_s=e.job_sweep_interval_ms / 1000,
        url_timeout_s=e.url_import_timeout_ms / 1000,
        url_allow_hosts=frozenset(h.strip() for h in e.url_import_allow_hosts.split(",")
                                  if h.strip()),
        idempotency_ttl=_ms(e.idempotency_ttl_ms),
        lock_timeout_ms=e.job_lock_timeout_ms,
        health_timeout_ms=e.health_check_timeout_ms,
        log_format=e.log_format,
        log_level=e.log_level,
        metrics_port=e.metrics_port,
        webhooks=WebhookSettings(secret=e.webhook_secret, max_attempts=e.webhook_max_attempts,
                                 backoff=_ms(e.webhook_backoff_ms)),
        webhook_timeout_s=e.webhook_timeout_ms / 1000,
        webhook_allow_loopback=e.webhook_allow_loopback,
        jobs=jobs,
    )
