"""Steps that run the `bulkio` command on the scenario's adapter set and read what it printed."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from pytest_bdd import parsers, then, when

from bulkio.entrypoints.cli import main
from tests.production import new_namespace, production_bulkio, production_env


@pytest.fixture
def command_env(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The environment of the command: the embedded set in tmp_path, or PostgreSQL + S3 +
    Redis with a worker in this process (a key namespace of its own, deleted afterwards)."""
    if request.getfixturevalue("adapter_set") == "embedded":
        yield {"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "",
               "AWS_S3_BUCKET": ""}
        return
    services = [request.getfixturevalue(name)
                for name in ("pg_url", "redis_url", "s3_endpoint", "s3_bucket")]
    namespace = new_namespace()
    with production_bulkio(*services, BULKIO_REDIS_NAMESPACE=namespace):  # its worker runs jobs
        yield production_env(*services, BULKIO_REDIS_NAMESPACE=namespace,
                             BULKIO_DATA_DIR=str(tmp_path / "data"))


def _run(env: dict[str, str], files_dir: Path, arguments: str, **more: str) -> Result:
    words = [str(files_dir / word) if (files_dir / word).is_file() else word
             for word in shlex.split(arguments)]
    return CliRunner().invoke(main, words, env={**env, **more})


@when(parsers.re(r"I run bulkio (?P<arguments>.+?)(?: with PORT \"(?P<port>[^\"]*)\" and "
                 r"JOB_BATCH_SIZE \"(?P<batch>[^\"]*)\")?$"), target_fixture="result")
def _(command_env: dict[str, str], files_dir: Path, arguments: str, port: str | None,
      batch: str | None) -> Result:
    more = {"PORT": port, "JOB_BATCH_SIZE": batch} if port is not None else {}
    return _run(command_env, files_dir, arguments.replace('"', ""), **more)


@then(parsers.parse("the command exits with {code:d}"))
def _(result: Result, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.stderr)


@then(parsers.parse("its standard output is a job that is {status} with {created:d} created rows"))
def _(result: Result, status: str, created: int) -> None:
    job = json.loads(result.stdout)
    assert (job["status"], job["createdRows"]) == (status, created)


@then(parsers.parse('its standard error says "{text}"'))
def _(result: Result, text: str) -> None:
    assert text in result.stderr, result.stderr


@then(parsers.parse('its standard error is one line that says "{text}"'))
def _(result: Result, text: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.stderr
    assert result.stdout == ""
