"""The environment variables bulkio reads: their types, ranges and defaults, declared once.

pydantic-settings checks every variable in one pass, so a deployment learns about all its
mistakes at once: `read_environment` raises one `InvalidSettings` that lists each bad variable
with what was expected. Rules beyond single values (DATABASE_NAME needs DATABASE_HOST) and the
`*_FILE` variants of secrets (the value is read from that file, as Docker and Kubernetes mount
secrets) are checked here too. `bulkio.config` turns the result into `Settings`.

Adding a setting: one field below (its variable is the field name in capitals), one line in
`bulkio.config.from_env`, one row in the README's configuration table.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bulkio.domain.errors import InvalidSettings

# Variables that may hold a secret: NAME_FILE names a file holding NAME's value, and their values
# never appear in an error message.
SECRETS = ("API_KEY", "DATABASE_URL", "DATABASE_PASSWORD", "REDIS_URL",
           "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "WEBHOOK_SECRET")
# Variables that mean something only beside another one.
NEEDS = {
    "DATABASE_PORT": "DATABASE_HOST", "DATABASE_USERNAME": "DATABASE_HOST",
    "DATABASE_PASSWORD": "DATABASE_HOST", "DATABASE_NAME": "DATABASE_HOST",
    "REDIS_PORT": "REDIS_HOST", "AWS_S3_ENDPOINT": "AWS_S3_BUCKET",
}
_ALTERNATIVES = {"DATABASE_HOST": "DATABASE_URL", "REDIS_HOST": "REDIS_URL"}

_PORT = {"ge": 1, "le": 65535}
_POSITIVE = {"ge": 1}


class Environment(BaseSettings):
    """Every variable bulkio reads, typed and bounded; an empty value counts as unset."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True,
                                      str_to_lower=False)

    port: int = Field(3000, **_PORT)
    api_prefix: str = "v1"
    api_key: str = ""
    bulkio_data_dir: Path = Path(".bulkio")
    database_url: str | None = None
    database_host: str | None = None
    database_port: int = Field(5432, **_PORT)
    database_username: str = "postgres"
    database_password: str = ""
    database_name: str = "bulk_import_export"
    redis_url: str | None = None
    redis_host: str | None = None
    redis_port: int = Field(6379, **_PORT)
    bulkio_redis_namespace: str | None = None
    bulkio_worker_id: str | None = None
    aws_s3_bucket: str | None = None
    aws_region: str = "us-east-1"
    aws_s3_endpoint: str | None = None
    aws_access_key_id: str | None = None
    aws_secret_access_key: str | None = None
    aws_s3_connect_timeout_ms: int = Field(5_000, ge=1, le=600_000)
    aws_s3_read_timeout_ms: int = Field(30_000, ge=1, le=600_000)
    job_batch_size: int = Field(1000, ge=1, le=100_000)
    job_concurrency: int = Field(2, ge=1, le=256)
    job_chunk_bytes: int = Field(0, ge=0)  # 0: an import is never split into chunk jobs
    job_max_attempts: int = Field(5, **_POSITIVE)
    job_stale_lock_threshold_ms: int = Field(600_000, ge=1000)
    job_stale_threshold_ms: int = Field(1_800_000, **_POSITIVE)
    job_restart_stale_jobs: bool = True
    job_sweep_interval_ms: int = Field(300_000, **_POSITIVE)
    job_outage_deadline_ms: int = Field(1_800_000, ge=0)  # 0: the first outage fails the job
    job_lock_timeout_ms: int = Field(2000, ge=1, le=600_000)  # PostgreSQL reads 0 as "no limit"
    health_check_timeout_ms: int = Field(2000, ge=1, le=60_000)
    max_upload_bytes: int = Field(2 * 1024**3, **_POSITIVE)
    url_import_timeout_ms: int = Field(300_000, **_POSITIVE)
    url_import_allow_hosts: str = ""
    idempotency_ttl_ms: int = Field(86_400_000, **_POSITIVE)
    # At most 7 days: the longest an S3 presigned URL (Signature Version 4) can stay valid, and
    # a download URL must last as long as the file is kept.
    export_ttl_ms: int = Field(86_400_000, ge=1, le=7 * 86_400_000)
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    metrics_port: int = Field(9191, ge=0, le=65535)  # 0: no exporter
    webhook_secret: str | None = None
    webhook_max_attempts: int = Field(5, ge=1, le=100)
    webhook_backoff_ms: int = Field(2000, **_POSITIVE)
    webhook_timeout_ms: int = Field(10_000, **_POSITIVE)
    webhook_allow_loopback: bool = False
    bulkio_max_value_chars: int = Field(2 * 1024**2, **_POSITIVE)
    bulkio_max_record_bytes: int | None = Field(None, **_POSITIVE)  # None: 8 values, 16 MiB at least
    bulkio_max_columns: int = Field(1_000, **_POSITIVE)
    bulkio_max_depth: int = Field(32, **_POSITIVE)
    bulkio_max_values: int = Field(100_000, **_POSITIVE)
    bulkio_max_decompressed_bytes: int = Field(16 * 1024**3, **_POSITIVE)
    bulkio_max_gzip_ratio: int = Field(100, **_POSITIVE)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str | None) -> str | None:
        """A PostgreSQL URL, or SQLite in a file: an in-memory SQLite database lives in one
        connection, which the API, the worker and an import's read-ahead thread cannot share."""
        if url is None:
            return None
        scheme, _, rest = url.partition("://")
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return url
        if scheme == "sqlite":
            if rest.startswith("/") and rest.lstrip("/") and rest[1:] != ":memory:":
                return url
            raise ValueError("SQLite needs a file (sqlite:///path/to/bulkio.db): an in-memory "
                             "database cannot be shared by bulkio's threads")
        raise ValueError("expected a postgresql:// URL (or sqlite:///path for a SQLite file)")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   **_others: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only the mapping handed to `read_environment`: `bulkio.open(mapping)` must not pick up
        # the variables of the process around it.
        return (init_settings,)


def variables() -> list[str]:
    """The names of every variable bulkio reads (without the `*_FILE` variants)."""
    return [name.upper() for name in Environment.model_fields]


def read_environment(env: Mapping[str, str]) -> Environment:
    """The variables of `env`, checked; raises `InvalidSettings` listing every problem."""
    known = set(variables())
    values: dict[str, Any] = {name: value for name, value in env.items()
                              if name in known and value != ""}
    problems = _read_secret_files(env, values)
    problems += [f"{name} needs {needed}" + (f" (or {_ALTERNATIVES[needed]})"
                                             if needed in _ALTERNATIVES else "")
                 for name, needed in NEEDS.items()
                 if name in values and needed not in values
                 and _ALTERNATIVES.get(needed) not in values]
    environment = None
    try:
        environment = Environment(**{name.lower(): value for name, value in values.items()})
    except ValidationError as err:
        problems = [_describe(error, values) for error in err.errors()] + problems
    if problems or environment is None:
        raise InvalidSettings(problems)
    return environment


def _read_secret_files(env: Mapping[str, str], values: dict[str, Any]) -> list[str]:
    problems = []
    for name in SECRETS:
        path = env.get(f"{name}_FILE")
        if not path:
            continue
        if name in values:
            problems.append(f"{name} and {name}_FILE are both set: keep one")
            continue
        try:
            values[name] = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as err:
            problems.append(f"{name}_FILE={path!r} cannot be read ({err.__class__.__name__})")
    return problems


def _describe(error: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    name = str(error["loc"][0]).upper() if error["loc"] else "settings"
    shown = "(hidden)" if name in SECRETS else repr(values.get(name))
    return f"{name}={shown}: {error['msg']}"
