"""Faults that pass must not fail jobs. Real worker processes, real signals, real outages:
five SIGTERM hand-overs, terminated database sessions and an S3 outage each end with the job
completed, every row written once, and no attempt used up."""

from __future__ import annotations

import signal
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bulkio.api import Bulkio
from bulkio.domain.jobs import Job, JobStatus, Phase
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv
from tests.integration.proxy import Outage
from tests.integration.test_fencing import with_application_name

pytestmark = [pytest.mark.services, pytest.mark.slow]

QUICK = {
    "JOB_BATCH_SIZE": 250,
    "JOB_STALE_LOCK_THRESHOLD_MS": 600_000,  # nothing here may look like a dead worker
    "JOB_SWEEP_INTERVAL_MS": 600_000,
}


def completed_exactly(done: Job, database: Database, rows: int) -> None:
    assert done.status is JobStatus.COMPLETED, done.failure
    c = done.counters
    assert (c.total, c.processed, c.created, c.updated, c.skipped, c.failed) == (
        rows, rows, rows, 0, 0, 0)
    assert database.scalar("SELECT count(*) FROM users") == rows
    assert database.scalar("SELECT count(*) FROM users WHERE last_job_id = :id", id=done.id) == rows
    assert database.rows("SELECT email FROM users GROUP BY email HAVING count(*) > 1") == []


def ended(database: Database, job_id: str, timeout: float = 120) -> Job:
    return eventually(lambda: (j := database.job(job_id)).is_terminal and j, timeout,
                      f"job {job_id} to end")


def test_five_hand_overs_end_completed_with_every_row_when_each_worker_is_stopped(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    rows = 30_000
    source = write_users_csv(tmp_path / "users.csv", range(rows))
    job = client.import_file(source, "users")
    reached = 0
    for n in range(1, 6):  # JOB_MAX_ATTEMPTS is 5: five hand-overs once failed the job
        worker = cluster.worker(f"worker-{n}", threads=1, **QUICK)
        at = reached + 1000
        eventually(lambda at=at: database.job(job.id).checkpoint >= at, 90,
                   f"worker-{n} to import a thousand more rows", interval=0.02)
        worker.send(signal.SIGTERM)
        assert worker.process.wait(30) == 0
        handed = database.job(job.id)
        assert (handed.status, handed.attempts, handed.runs) == (JobStatus.PENDING, 0, n)
        assert handed.checkpoint < rows
        reached = handed.checkpoint

    last = cluster.worker("worker-6", threads=1, **QUICK)
    done = ended(database, job.id)
    completed_exactly(done, database, rows)
    assert (done.attempts, done.runs, done.resumed_from) == (1, 6, reached)
    assert f"job {job.id}: attempt 1 (run 6) taken by worker-6" in last.log()


def test_terminated_database_sessions_are_waited_out_when_the_job_keeps_its_attempt(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    rows = 30_000
    source = write_users_csv(tmp_path / "users.csv", range(rows))
    url = with_application_name(cluster.env["DATABASE_URL"], "doomed-worker")
    worker = cluster.worker("doomed-worker", threads=1, DATABASE_URL=url, **QUICK)
    job = client.import_file(source, "users")
    terminated = 0
    for n in range(6):  # each one used to cost an attempt: the sixth claim failed the job
        at = (n + 1) * rows // 8
        eventually(lambda at=at: database.job(job.id).checkpoint >= at, 90,
                   f"the worker to reach row {at}", interval=0.02)
        # A session inside a transaction: the worker feels it (an idle one is just replaced).
        terminated += eventually(lambda: database.scalar(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'doomed-worker' AND xact_start IS NOT NULL) AS ended"),
            30, "a session of the worker inside a transaction", interval=0.005)
    done = ended(database, job.id)
    assert terminated >= 6
    completed_exactly(done, database, rows)
    assert (done.attempts, done.runs) == (1, 1)
    assert "waits for a dependency (the database failed" in worker.log()


def test_an_s3_outage_is_waited_out_and_shown_when_the_worker_cannot_read_the_file(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path, s3_endpoint: str,
) -> None:
    rows = 60_000  # about 2.5 MB, read at 400 kB/s: the read is under way when S3 goes
    source = write_users_csv(tmp_path / "users.csv", range(rows))
    target = urlsplit(s3_endpoint)
    with Outage.of(target.hostname, target.port, bytes_per_s=400_000) as s3:
        cluster.worker("worker-1", threads=1, AWS_S3_ENDPOINT=s3.url, **QUICK)
        job = client.import_file(source, "users")
        eventually(lambda: database.job(job.id).checkpoint >= rows // 5, 90,
                   "the worker to import a fifth of the file", interval=0.02)
        s3.down()
        waiting = eventually(lambda: (j := database.job(job.id)).phase is Phase.WAITING and j,
                             60, "the job to show that it waits for S3")
        assert waiting.status is JobStatus.PROCESSING and "S3" in (waiting.waiting_for or "")
        assert waiting.waiting_since is not None
        s3.up()
        done = ended(database, job.id)
    assert s3.cut >= 1
    completed_exactly(done, database, rows)
    assert (done.attempts, done.runs, done.waiting_for) == (1, 1, None)
