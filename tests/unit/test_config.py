"""Settings from the environment, with the seed's variable names."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bulkio.config import InvalidSettings, Settings, from_env


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


def test_every_bad_variable_is_listed_in_one_error_when_several_are_wrong() -> None:
    with pytest.raises(InvalidSettings) as caught:
        from_env({"PORT": "abc", "JOB_BATCH_SIZE": "0", "JOB_CONCURRENCY": "-5",
                  "JOB_RESTART_STALE_JOBS": "maybe", "MAX_UPLOAD_BYTES": "1e3"})
    named = [problem.split("=")[0] for problem in caught.value.problems]
    assert sorted(named) == ["JOB_BATCH_SIZE", "JOB_CONCURRENCY", "JOB_RESTART_STALE_JOBS",
                             "MAX_UPLOAD_BYTES", "PORT"]
    assert "\n" not in str(caught.value) and "PORT='abc'" in str(caught.value)


@pytest.mark.parametrize(("name", "value"), [
    ("JOB_BATCH_SIZE", "0"), ("JOB_BATCH_SIZE", "-5"), ("PORT", "70000"), ("PORT", "abc"),
    ("DATABASE_PORT", "0"), ("JOB_MAX_ATTEMPTS", "0"), ("JOB_SWEEP_INTERVAL_MS", "-1"),
    ("JOB_STALE_LOCK_THRESHOLD_MS", "10"), ("IDEMPOTENCY_TTL_MS", "soon"),
])
def test_a_value_out_of_type_or_range_is_refused_when_read(name: str, value: str) -> None:
    with pytest.raises(InvalidSettings, match=name):
        from_env({name: value, "DATABASE_HOST": "db"})


@pytest.mark.parametrize(("name", "needed"), [
    ("DATABASE_NAME", "DATABASE_HOST"), ("DATABASE_PASSWORD", "DATABASE_HOST"),
    ("REDIS_PORT", "REDIS_HOST"), ("AWS_S3_ENDPOINT", "AWS_S3_BUCKET"),
])
def test_a_variable_without_the_one_it_completes_is_refused_when_read(name: str, needed: str) -> None:
    with pytest.raises(InvalidSettings, match=f"{name} needs {needed}"):
        from_env({name: "5432" if name.endswith("PORT") else "x"})


def test_database_name_is_accepted_when_a_database_url_is_given_instead_of_a_host() -> None:
    assert from_env({"DATABASE_URL": "postgresql://u@h/d", "DATABASE_NAME": "d"}).database_url


def test_an_empty_variable_counts_as_unset_when_read() -> None:
    s = from_env({"PORT": "", "DATABASE_URL": "", "REDIS_URL": "", "JOB_BATCH_SIZE": ""})
    assert (s.port, s.database_url, s.redis_url, s.jobs.batch_size) == (3000, None, None, 1000)


def test_secrets_are_read_from_files_when_their_file_variant_is_set(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("s3cr%t\n")
    (tmp_path / "keys").write_text("k1,k2")
    (tmp_path / "aws").write_text("AKIA-FROM-FILE")
    s = from_env({"DATABASE_HOST": "db", "DATABASE_PASSWORD_FILE": str(tmp_path / "password"),
                  "API_KEY_FILE": str(tmp_path / "keys"),
                  "AWS_SECRET_ACCESS_KEY_FILE": str(tmp_path / "aws")})
    assert s.sql_url == "postgresql+psycopg://postgres:s3cr%25t@db:5432/bulk_import_export"
    assert s.api_keys == ("k1", "k2") and s.s3_secret_access_key == "AKIA-FROM-FILE"
    assert "s3cr" not in repr(s) and "k1" not in repr(s)


def test_a_secret_given_twice_or_unreadable_is_refused_without_showing_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidSettings) as caught:
        from_env({"API_KEY": "top-secret", "API_KEY_FILE": str(tmp_path / "keys"),
                  "REDIS_URL_FILE": str(tmp_path / "missing"), "DATABASE_URL": "postgresql://h/d",
                  "DATABASE_PORT": "nope"})
    message = str(caught.value)
    assert "API_KEY and API_KEY_FILE are both set" in message
    assert "REDIS_URL_FILE=" in message and "cannot be read" in message
    assert "top-secret" not in message


def test_paths_may_be_plain_strings_when_settings_are_built_in_code() -> None:
    s = Settings(data_dir="var/bulkio", api_keys=["k"], url_allow_hosts=["h"])
    assert s.data_dir == Path("var/bulkio") and s.storage_dir == Path("var/bulkio/files")
    assert (s.api_keys, s.url_allow_hosts) == (("k",), frozenset({"h"}))


def test_observability_settings_are_read_and_checked_when_given() -> None:
    s = from_env({"LOG_FORMAT": "json", "LOG_LEVEL": "warning", "METRICS_PORT": "0",
                  "WEBHOOK_SECRET": "s3cret-value", "WEBHOOK_MAX_ATTEMPTS": "3",
                  "WEBHOOK_BACKOFF_MS": "250", "WEBHOOK_TIMEOUT_MS": "1500",
                  "WEBHOOK_ALLOW_LOOPBACK": "true"})

    assert (s.log_format, s.log_level, s.metrics_port) == ("json", "warning", 0)
    assert (s.webhooks.secret, s.webhooks.max_attempts, s.webhooks.backoff) == (
        "s3cret-value", 3, timedelta(milliseconds=250))
    assert (s.webhook_timeout_s, s.webhook_allow_loopback) == (1.5, True)
    assert "s3cret-value" not in repr(s)
    defaults = from_env({})
    assert (defaults.log_format, defaults.webhooks.secret, defaults.webhook_allow_loopback) == (
        "auto", None, False)
    with pytest.raises(InvalidSettings) as refused:
        from_env({"LOG_FORMAT": "xml", "LOG_LEVEL": "loud", "WEBHOOK_MAX_ATTEMPTS": "0"})
    assert {p.split("=")[0] for p in refused.value.problems} == {
        "LOG_FORMAT", "LOG_LEVEL", "WEBHOOK_MAX_ATTEMPTS"}


def test_input_limits_are_read_when_given() -> None:
    limits = from_env({"BULKIO_MAX_VALUE_CHARS": "4194304", "BULKIO_MAX_COLUMNS": "50",
                       "BULKIO_MAX_DEPTH": "8", "BULKIO_MAX_VALUES": "1000",
                       "BULKIO_MAX_DECOMPRESSED_BYTES": "1000000", "BULKIO_MAX_GZIP_RATIO": "20"}).jobs.limits
    assert (limits.max_value, limits.max_columns, limits.max_depth, limits.max_values) == (
        4 * 1024 * 1024, 50, 8, 1000)
    assert (limits.max_decompressed, limits.max_ratio) == (1_000_000, 20)
    assert limits.max_record == 32 * 1024 * 1024  # grows with the value limit: exports re-import


def test_input_limits_are_the_documented_defaults_when_unset() -> None:
    limits = from_env({}).jobs.limits
    assert (limits.max_value, limits.max_record, limits.max_columns, limits.max_depth) == (
        2 * 1024 * 1024, 16 * 1024 * 1024, 1_000, 32)
    assert (limits.max_values, limits.max_decompressed, limits.max_ratio) == (100_000, 16 * 1024**3, 100)


def test_a_record_limit_too_small_for_the_value_limit_is_refused_when_read() -> None:
    with pytest.raises(InvalidSettings, match="BULKIO_MAX_RECORD_BYTES"):
        from_env({"BULKIO_MAX_VALUE_CHARS": "1000", "BULKIO_MAX_RECORD_BYTES": "7999"})


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql://u@h/d", "expected a postgresql:// URL"),
    ("sqlite://", "SQLite needs a file"),
    ("sqlite:///:memory:", "SQLite needs a file"),
])
def test_a_database_url_bulkio_cannot_use_is_a_settings_error_when_read(url: str, reason: str) -> None:
    with pytest.raises(InvalidSettings, match=reason) as raised:
        from_env({"DATABASE_URL": url})
    assert "DATABASE_URL=(hidden)" in str(raised.value)  # it may hold a password: never shown


def test_a_sqlite_file_url_is_accepted_when_given() -> None:
    assert from_env({"DATABASE_URL": "sqlite:////var/lib/bulkio/db.sqlite"}).sql_url == (
        "sqlite:////var/lib/bulkio/db.sqlite")


def test_an_in_memory_sqlite_engine_is_refused_when_asked_for_by_the_library() -> None:
    from bulkio.adapters.sql import create_engine_for

    for url in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(ValueError, match="SQLite needs a file"):
            create_engine_for(url)
