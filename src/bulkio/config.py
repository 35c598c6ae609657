"""Settings from the environment, with the seed's variable names where they apply.

Nothing configured means the embedded set: SQLite and local files under BULKIO_DATA_DIR
(default `./.bulkio`), in-process worker threads and lock. Setting DATABASE_URL (or
DATABASE_HOST), AWS_S3_BUCKET, or REDIS_URL (or REDIS_HOST) switches that part to PostgreSQL,
S3, or Redis (lock) + Dramatiq (queue).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from attrs import evolve, frozen

from bulkio.services.settings import JobSettings


@frozen
class Settings:
    data_dir: Path = Path(".bulkio")
    database_url: str | None = None
    redis_url: str | None = None
    redis_namespace: str | None = None  # queue and lock keys; None: Dramatiq's and bulkio's own
    s3_bucket: str | None = None
    s3_region: str = "us-east-1"
    s3_endpoint: str | None = None
    port: int = 3000
    api_prefix: str = "v1"
    api_keys: tuple[str, ...] = ()
    concurrency: int = 2
    sweep_every_s: float = 300.0
    url_timeout_s: float = 300.0
    url_allow_hosts: frozenset[str] = frozenset()
    idempotency_ttl: timedelta = timedelta(hours=24)
    download_url_ttl_s: int = 3600
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


def _ms(env: Mapping[str, str], name: str, default: timedelta) -> timedelta:
    raw = env.get(name)
    return timedelta(milliseconds=int(raw)) if raw else default


def _database_url(env: Mapping[str, str]) -> str | None:
    if env.get("DATABASE_URL"):
        url = env["DATABASE_URL"]
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                url = "postgresql+psycopg://" + url[len(plain):]
        return url
    if not env.get("DATABASE_HOST"):
        return None
    user = quote(env.get("DATABASE_USERNAME", "postgres"))
    password = env.get("DATABASE_PASSWORD", "")
    auth = f"{user}:{quote(password)}" if password else user
    return (f"postgresql+psycopg://{auth}@{env['DATABASE_HOST']}:{env.get('DATABASE_PORT', '5432')}"
            f"/{env.get('DATABASE_NAME', 'bulk_import_export')}")


def _redis_url(env: Mapping[str, str]) -> str | None:
    if env.get("REDIS_URL"):
        return env["REDIS_URL"]
    if not env.get("REDIS_HOST"):
        return None
    return f"redis://{env['REDIS_HOST']}:{env.get('REDIS_PORT', '6379')}/0"


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment (see the README's configuration table)."""
    env = os.environ if env is None else env
    defaults = JobSettings()
    stale_lock = _ms(env, "JOB_STALE_LOCK_THRESHOLD_MS", defaults.stale_after)
    jobs = JobSettings(
        batch_size=int(env.get("JOB_BATCH_SIZE", defaults.batch_size)),
        max_attempts=int(env.get("JOB_MAX_ATTEMPTS", defaults.max_attempts)),
        stale_after=stale_lock,
        requeue_after=_ms(env, "JOB_STALE_THRESHOLD_MS", defaults.requeue_after),
        restart_stale=env.get("JOB_RESTART_STALE_JOBS", "true").lower() in ("1", "true", "yes"),
        export_ttl=_ms(env, "EXPORT_TTL_MS", defaults.export_ttl),
        max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", defaults.max_upload_bytes)),
        worker_id=env.get("BULKIO_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}",
    )
    return Settings(
        data_dir=Path(env.get("BULKIO_DATA_DIR", ".bulkio")),
        database_url=_database_url(env),
        redis_url=_redis_url(env),
        redis_namespace=env.get("BULKIO_REDIS_NAMESPACE") or None,
        s3_bucket=env.get("AWS_S3_BUCKET") or None,
        s3_region=env.get("AWS_REGION", "us-east-1"),
        s3_endpoint=env.get("AWS_S3_ENDPOINT") or None,
        port=int(env.get("PORT", 3000)),
        api_prefix=env.get("API_PREFIX", "v1").strip("/"),
        api_keys=tuple(k.strip() for k in env.get("API_KEY", "").split(",") if k.strip()),
        concurrency=int(env.get("JOB_CONCURRENCY", 2)),
        sweep_every_s=float(env.get("JOB_SWEEP_INTERVAL_MS", 300_000)) / 1000,
        url_timeout_s=float(env.get("URL_IMPORT_TIMEOUT_MS", 300_000)) / 1000,
        url_allow_hosts=frozenset(h.strip() for h in env.get("URL_IMPORT_ALLOW_HOSTS", "").split(",")
                                  if h.strip()),
        idempotency_ttl=_ms(env, "IDEMPOTENCY_TTL_MS", timedelta(hours=24)),
        jobs=jobs,
    )
