"""One log pipeline for a bulkio process: bulkio's own loggers, uvicorn and Dramatiq all go
through structlog's `ProcessorFormatter` (stdlib integration), as JSON lines or for a terminal.

Every line carries `timestamp`, `level`, `logger` and `event`, the fields a caller passed with
`extra=` (e.g. the job-end line's counts), and the context bound with
`structlog.contextvars` (`request_id` in the API, `job_id` while a job runs). The last step
replaces every secret the process knows (API keys, passwords in the database or Redis URL,
the webhook secret) with `***`, whatever line it turns up in.

`LOG_FORMAT`: `json`, `console`, or `auto` (the default: console on a terminal, JSON otherwise).
`LOG_LEVEL`: `debug`, `info` (default), `warning`, `error`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

import structlog
from stamina.instrumentation import (
    LoggingOnRetryHook,
    PrometheusOnRetryHook,
    set_on_retry_hooks,
)

FORMATS = ("auto", "json", "console")
# Loggers that configure handlers of their own; theirs are removed so their lines reach ours.
THIRD_PARTY = ("uvicorn", "uvicorn.error", "uvicorn.access", "dramatiq", "litestar")
MASK = "***"


class Redactor:
    """Replaces each known secret (at least 4 characters) in a rendered line with `***`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def __call__(self, _logger: Any, _name: str, line: Any) -> Any:
        if isinstance(line, str):
            for secret in self._secrets:
                line = line.replace(secret, MASK)
        return line


def _drop_markup(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    return event


def url_password(url: str | None) -> list[str]:
    """The password inside a URL (`scheme://user:password@host`), raw and percent-decoded."""
    if not url:
        return []
    password = urlsplit(url).password
    return [password, unquote(password)] if password else []


def _renderer(fmt: str, stream: TextIO) -> Any:
    if fmt == "auto":
        fmt = "console" if stream.isatty() else "json"
    if fmt == "console":
        return structlog.dev.ConsoleRenderer(colors=stream.isatty())
    return structlog.processors.JSONRenderer(sort_keys=False)


def configure(fmt: str = "auto", level: str = "info", secrets: Iterable[str] = (),
              stream: TextIO | None = None) -> None:
    """Route every logger of this process through one structlog formatter on `stream`
    (standard error by default). Raises `ValueError` for an unknown format or level."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, got {fmt!r}")
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"LOG_LEVEL must be debug, info, warning or error, got {level!r}")
    stream = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_markup,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(fmt, stream),
            Redactor(secrets),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in THIRD_PARTY:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    route_retries()


def route_retries() -> None:
    """Make stamina's retries records of the standard logger "stamina", counted as
    `stamina_retries_total` on /metrics, for the whole process. With structlog installed
    stamina would otherwise log through structlog's own default, which prints to standard
    output. bulkio's processes call it (`configure`, the CLI); importing bulkio does not, so an
    application that embeds bulkio keeps its own hooks."""
    set_on_retry_hooks([LoggingOnRetryHook, PrometheusOnRetryHook])


def backends(settings: Any) -> Mapping[str, str]:
    """The back ends a process runs on, by name only (never a URL, which may hold a password)."""
    return {
        "database": "postgresql" if settings.database_url else "sqlite",
        "storage": "s3" if settings.s3_bucket else "local",
        "queue": "redis" if settings.redis_url else "in-process",
        "lock": "redis" if settings.redis_url else "in-process",
    }


def secrets_of(settings: Any) -> list[str]:
    """What must never appear in a log line: API keys, the passwords in service URLs, the
    webhook secret and the S3 secret key."""
    found = [*settings.api_keys, *url_password(settings.database_url),
             *url_password(settings.redis_url)]
    found.extend(s for s in (settings.webhooks.secret, settings.s3_secret_access_key) if s)
    return found


def start(settings: Any, role: str) -> logging.Logger:
    """Configure logging from `settings` and write the start-up line naming the back ends."""
    configure(settings.log_format, settings.log_level, secrets_of(settings))
    log = logging.getLogger(f"bulkio.{role}")
    log.info("bulkio %s starting", role, extra={"role": role, **backends(settings)})
    return log
