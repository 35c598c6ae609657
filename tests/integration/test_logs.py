"""The logs of `bulkio serve` and `bulkio worker` as an operator reads them: JSON lines, the job
id as a field on every line about a job, one line per job end (a failure too), the back ends
named at start-up, and never an API key, a password or a row's values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.cluster import Cluster, eventually, free_port
from tests.integration.files import user, write_users_csv

pytestmark = pytest.mark.services

KEY = "k3y-for-the-log-test-0123456789"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of a log, each of which must be one JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_serve_and_worker_log_json_lines_with_job_ids_and_no_secret_when_jobs_run(
    cluster: Cluster, tmp_path: Path, pg_url: str,
) -> None:
    worker = cluster.worker("worker-1", LOG_FORMAT="json", API_KEY=KEY)
    api = cluster.api("api-1", free_port(), LOG_FORMAT="json", API_KEY=KEY)
    source = write_users_csv(tmp_path / "users.csv", range(40), invalid_every=7)
    headers = {"X-API-Key": KEY}
    with source.open("rb") as body:
        good = httpx.post(f"{api.url}/v1/imports", headers=headers,
                          files={"file": ("users.csv", body)}, data={"resourceType": "users"})
    broken = httpx.post(f"{api.url}/v1/imports", headers=headers,
                        params={"resourceType": "users", "format": "json"},
                        content=b'[{"email": "x@example.com", "name": "X", "role": ')
    assert good.status_code == broken.status_code == 201, (good.text, broken.text)
    ids = {good.json()["id"]: "completed", broken.json()["id"]: "failed"}

    def ended() -> dict[str, dict[str, Any]]:
        ends = {line["job_id"]: line for line in json_lines(worker.log())
                if line["logger"] == "bulkio.jobs"}
        return ends if set(ends) == set(ids) else {}

    ends = eventually(ended, 60, "a job-end line for both jobs")
    api.stop()
    worker.stop()

    served, worked = json_lines(api.log()), json_lines(worker.log())
    for lines, role in ((served, "serve"), (worked, "worker")):
        [start] = [line for line in lines if line["event"] == f"bulkio {role} starting"]
        assert (start["database"], start["storage"], start["queue"]) == ("postgresql", "s3", "redis")
        assert all({"timestamp", "level", "logger", "event"} <= set(line) for line in lines)
    for job_id, status in ids.items():
        assert ends[job_id]["status"] == status
        about = [line for line in worked if job_id in json.dumps(line)]
        assert len(about) >= 2 and all(line.get("job_id") == job_id for line in about)
    done = ends[good.json()["id"]]
    assert (done["level"], done["rows"], done["rows_created"], done["rows_failed"]) == (
        "info", 40, 34, 6)
    assert done["error_rate"] == 0.15 and done["rows_per_second"] > 0 and done["duration_ms"] >= 0
    failure = ends[broken.json()["id"]]
    assert failure["level"] == "warning" and failure["failure_reason"]
    accessed = [line for line in served if line["logger"] == "bulkio.http.access"]
    assert {(line["method"], line["status"]) for line in accessed} >= {("POST", 201)}
    assert all(line["request_id"] for line in accessed)
    everything = api.log() + worker.log()
    assert KEY not in everything
    assert user(3)["email"] not in everything and "superhero" not in everything
    assert "x@example.com" not in everything
