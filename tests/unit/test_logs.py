"""The process's log pipeline: JSON or console lines, context fields, extras, secrets masked."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
import stamina
from stamina.instrumentation import set_on_retry_hooks
from structlog.contextvars import bound_contextvars

from bulkio.config import from_env
from bulkio.entrypoints.logs import backends, configure, secrets_of


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers, root.level = handlers, level
    set_on_retry_hooks(None)  # stamina's own defaults again


def test_retries_are_lines_of_the_stamina_logger_when_logging_is_configured(
    restore_logging: None,
) -> None:
    out = io.StringIO()
    configure("json", "info", stream=out)
    with stamina.set_testing(True, attempts=2):
        for attempt in stamina.retry_context(on=ValueError, attempts=2):
            with attempt:
                if attempt.num == 1:
                    raise ValueError("once")

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["logger"] for line in lines] == ["stamina"]


def test_importing_bulkio_leaves_stamina_s_retry_hooks_alone() -> None:
    probe = ("import stamina.instrumentation as i; before = i.get_on_retry_hooks(); "
             "import bulkio, bulkio.container, bulkio.adapters.fenced_update; "
             "assert i.get_on_retry_hooks() == before, (before, i.get_on_retry_hooks())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_stdlib_line_is_one_json_object_with_context_and_extras_when_format_is_json(
    restore_logging: None,
) -> None:
    out = io.StringIO()
    configure("json", "info", stream=out)
    with bound_contextvars(job_id="j-1"):
        logging.getLogger("bulkio.test").info("did %s", "it", extra={"rows": 3})
    logging.getLogger("uvicorn.error").info("from a server")
    logging.getLogger("bulkio.test").debug("below the level")

    first, second = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (first["event"], first["job_id"], first["rows"], first["level"]) == (
        "did it", "j-1", 3, "info")
    assert first["logger"] == "bulkio.test" and first["timestamp"].endswith("Z")
    assert (second["logger"], second["event"]) == ("uvicorn.error", "from a server")
    assert "job_id" not in second


def test_every_secret_is_masked_when_it_turns_up_in_a_line(restore_logging: None) -> None:
    settings = from_env({"API_KEY": "first-key-1,second-key-2",
                         "DATABASE_URL": "postgresql://bulkio:pa%24%24word@db/bulkio"})
    out = io.StringIO()
    configure("console", "info", secrets_of(settings), stream=out)
    log = logging.getLogger("bulkio.test")
    log.info("key %s and %s", "first-key-1", "second-key-2", extra={"url": settings.database_url})
    try:
        raise ValueError("password pa$$word refused")
    except ValueError:
        log.exception("failed")

    text = out.getvalue()
    assert "first-key-1" not in text and "second-key-2" not in text
    assert "pa$$word" not in text and "pa%24%24word" not in text and "***" in text


def test_the_back_ends_are_named_without_their_urls_when_configured() -> None:
    production = from_env({"DATABASE_URL": "postgresql://u:secret@db/x", "AWS_S3_BUCKET": "b",
                           "REDIS_URL": "redis://:secret@cache:6379/0"})
    assert backends(production) == {"database": "postgresql", "storage": "s3", "queue": "redis",
                                    "lock": "redis"}
    assert backends(from_env({})) == {"database": "sqlite", "storage": "local",
                                      "queue": "in-process", "lock": "in-process"}


def test_an_unknown_format_or_level_is_refused_when_configuring() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        configure("xml", "info")
    with pytest.raises(ValueError, match="LOG_LEVEL"):
        configure("json", "chatty")


def test_the_cli_writes_a_retry_as_one_warning_on_standard_error(
    restore_logging: None, capsys: pytest.CaptureFixture[str],
) -> None:
    from bulkio.entrypoints.cli import terminal_log

    loggers = [logging.getLogger(name) for name in ("bulkio", "stamina")]
    before = [logger.handlers[:] for logger in loggers]
    try:
        terminal_log()
        with stamina.set_testing(True, attempts=2):
            for attempt in stamina.retry_context(on=ValueError, attempts=2):
                with attempt:
                    if attempt.num == 1:
                        raise ValueError("once")
    finally:
        for logger, handlers in zip(loggers, before, strict=True):
            logger.handlers = handlers
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("warning: stamina.retry_scheduled")
