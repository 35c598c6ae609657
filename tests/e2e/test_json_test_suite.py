"""Every file of JSONTestSuite's test_parsing, uploaded as a JSON import of users: each is
accepted and its job ends (completed, or failed with a reason), or it is refused with a 4xx.
Never a 5xx, never a job stuck."""

from __future__ import annotations

import time

import pytest
from litestar.testing import TestClient

from tests.corpora import JSON_TEST_SUITE
from tests.e2e.conftest import TERMINAL

CORPUS = JSON_TEST_SUITE
SECONDS_PER_JOB = 10.0


@pytest.mark.slow
def test_every_json_test_suite_file_ends_in_a_job_or_a_client_error(client: TestClient) -> None:
    if not CORPUS.is_dir():
        pytest.fail(f"the JSONTestSuite corpus is missing: {CORPUS}", pytrace=False)
    files = sorted(CORPUS.iterdir())
    assert len(files) > 300

    jobs: dict[str, str] = {}
    for path in files:
        response = client.post("/v1/imports", files={"file": (path.name, path.read_bytes())},
                               data={"resourceType": "users", "format": "json"})
        assert response.status_code < 500, (path.name, response.text)
        if response.status_code in (201, 202):
            jobs[response.json()["id"]] = path.name
        else:
            assert 400 <= response.status_code < 500, (path.name, response.status_code)
            assert response.headers["content-type"] == "application/problem+json"

    deadline = time.monotonic() + min(100.0, SECONDS_PER_JOB + 0.25 * len(jobs))
    waiting = dict(jobs)
    while waiting and time.monotonic() < deadline:
        for job_id, name in list(waiting.items()):
            job = client.get(f"/v1/imports/{job_id}").json()
            if job["status"] in TERMINAL:
                assert job["status"] in ("completed", "failed"), (name, job)
                assert job["status"] == "completed" or job["failureReason"], (name, job)
                del waiting[job_id]
        time.sleep(0.1)
    assert not waiting, f"jobs still running: {sorted(waiting.values())}"
