"""A job failed by an outage that outlasted its deadline says how far it got, and resumes from
there through the Python API, the CLI and HTTP, ending with every row written once."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from dependency_injector import providers
from litestar.testing import TestClient

import bulkio
from bulkio.domain.jobs import Job, JobStatus
from bulkio.entrypoints.cli import main
from bulkio.entrypoints.http import create_app
from tests.outages import StorageGoingAway

ROWS = 4000  # about 140 kB: the break comes after the first 64 kB read to tell the format
BREAK_AT = 100_000
USERS = "email,name,role\n" + "".join(f"u{n:03d}@example.com,User {n},reader\n"
                                      for n in range(ROWS))


def env_for(tmp_path: Path) -> dict[str, str]:
    # No outage is waited out (a deadline of 0): the first one fails the job.
    return {"BULKIO_DATA_DIR": str(tmp_path / "data"), "JOB_BATCH_SIZE": "500",
            "JOB_OUTAGE_DEADLINE_MS": "0", "DATABASE_URL": "", "REDIS_URL": "",
            "AWS_S3_BUCKET": "", "DATABASE_HOST": "", "REDIS_HOST": ""}


def failed_half_way(tmp_path: Path) -> Job:
    """An import whose storage went away after about half the file, and stayed away."""
    source = tmp_path / "users.csv"
    source.write_text(USERS)
    with bulkio.open(env_for(tmp_path)) as bio:
        storage = bio.container.storage()
        bio.container.storage.override(providers.Object(StorageGoingAway(storage, BREAK_AT)))
        job = bio.wait(bio.import_file(source, "users").id, timeout=30)
    assert job.status is JobStatus.FAILED
    assert 0 < job.checkpoint < ROWS
    assert job.failure == (
        "gave up waiting after 0 s: reading from S3 failed: ResponseStreamingError "
        f"({job.checkpoint} rows were processed before it stopped; resume the job to continue "
        f"after row {job.checkpoint})")
    assert (job.counters.total, job.counters.created) == (job.checkpoint, job.checkpoint)
    return job


def completed_from(failed: Job, done: Job) -> None:
    assert done.status is JobStatus.COMPLETED, done.failure
    assert (done.resumed_from, done.counters.processed, done.counters.created) == (
        failed.checkpoint, ROWS, ROWS)
    assert (done.counters.updated, done.counters.skipped, done.failure) == (0, 0, None)


def test_the_python_api_resumes_a_failed_job_after_its_last_batch(tmp_path: Path) -> None:
    failed = failed_half_way(tmp_path)
    with bulkio.open(env_for(tmp_path)) as bio:
        assert bio.resume(failed.id).status is JobStatus.PENDING
        completed_from(failed, bio.wait(failed.id, timeout=30))


def test_the_cli_resumes_a_failed_job_and_waits_for_it(tmp_path: Path, monkeypatch) -> None:
    failed = failed_half_way(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["resume", failed.id, "--quiet"], env=env_for(tmp_path),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"resumed after row {failed.checkpoint:,}" in result.output
    assert f"completed: {ROWS:,} rows, {ROWS:,} created" in result.output
    with bulkio.open(env_for(tmp_path)) as bio:
        completed_from(failed, bio.get_job(failed.id))


def test_http_resumes_a_failed_import_and_refuses_one_that_did_not_fail(tmp_path: Path) -> None:
    failed = failed_half_way(tmp_path)
    with bulkio.open(env_for(tmp_path), sweep=False) as bio, \
            TestClient(create_app(bio.container), timeout=30) as client:
        response = client.post(f"/v1/imports/{failed.id}/resume")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "pending"
        done = bio.wait(failed.id, timeout=30)
        completed_from(failed, done)
        again = client.post(f"/v1/imports/{failed.id}/resume")
        assert again.status_code == 409
        assert again.json()["type"].endswith("/invalid-transition")
        assert client.post(f"/v1/exports/{failed.id}/resume").status_code == 404
