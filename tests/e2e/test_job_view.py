"""The job view is written once: the HTTP API, the CLI's JSON and the OpenAPI schema show a job
the same way."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import TestClient

from bulkio.config import from_env
from bulkio.container import build
from bulkio.entrypoints.cli import main
from bulkio.entrypoints.http import create_app

USERS = "email,name,role\na@example.com,A,admin\nnot-an-email,B,reader\n"


def test_a_job_reads_the_same_when_shown_by_the_cli_the_api_and_its_schema(
        tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "",
           "AWS_S3_BUCKET": "", "DATABASE_HOST": "", "REDIS_HOST": "", "API_KEY": ""}
    (tmp_path / "users.csv").write_text(USERS)
    cli = CliRunner()
    imported = cli.invoke(main, ["import", str(tmp_path / "users.csv"), "-r", "users"], env=env)
    job_id = re.search(r"job ([0-9a-f-]{36})", imported.output)
    assert job_id is not None, imported.output

    shown = json.loads(cli.invoke(main, ["jobs", "show", job_id[1]], env=env,
                                  catch_exceptions=False).output)
    with TestClient(create_app(build(from_env(env)))) as client:
        answered = client.get(f"/v1/imports/{job_id[1]}").json()
        schema = client.get("/api/openapi.json").json()["components"]["schemas"]["ImportJob"]

    assert shown == answered
    assert set(answered) == set(schema["required"])  # no webhook: its two fields are left out
    assert set(schema["properties"]) - set(schema["required"]) == {"callbackUrl",
                                                                   "webhookDeliveries"}
    assert answered["errors"][0]["field"] == "email" and "line" in answered["errors"][0]
