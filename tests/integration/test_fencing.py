"""A worker paused past its lease: another worker takes the job over and finishes it; when the
paused one wakes up, the version check on its next batch stops it before it writes anything."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from bulkio.api import Bulkio
from bulkio.domain.jobs import JobStatus
from tests.integration.cluster import Cluster, Node, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROWS = 30_000
INVALID_EVERY = 50  # every batch holds row errors, so a stray batch would add job_errors rows
SHORT_LEASE = {
    "JOB_BATCH_SIZE": 250,
    "JOB_STALE_LOCK_THRESHOLD_MS": 1500,  # also the Redis lock's TTL
    "JOB_SWEEP_INTERVAL_MS": 300,
}


def with_application_name(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def pause_between_transactions(node: Node, database: Database) -> None:
    """SIGSTOP the node at a moment it holds no write transaction.

    A process paused inside one keeps the job row locked, so nobody could take the job over
    until it wakes (the database's idle_in_transaction_session_timeout covers that case in
    production); this test is about the other case, the one where only fencing helps.
    """
    for _ in range(100):
        node.send(signal.SIGSTOP)
        eventually(node.stopped, 10, f"{node.name} to stop", interval=0.005)
        writing = database.scalar(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = :name AND backend_xid IS NOT NULL", name=node.name)
        if not writing:
            return
        node.send(signal.SIGCONT)
        time.sleep(0.01)
    raise AssertionError(f"{node.name} never stood between two transactions")


def test_paused_worker_writes_nothing_when_another_worker_took_its_job_over(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    source = write_users_csv(tmp_path / "users.csv", range(ROWS), invalid_every=INVALID_EVERY)
    invalid = len(range(0, ROWS, INVALID_EVERY))
    url = cluster.env["DATABASE_URL"]
    paused = cluster.worker("worker-1", DATABASE_URL=with_application_name(url, "worker-1"),
                            **SHORT_LEASE)
    job = client.import_file(source, "users")
    eventually(lambda: database.job(job.id).counters.processed >= ROWS // 3, 60,
               "worker-1 to import a third of the file", interval=0.02)

    pause_between_transactions(paused, database)
    at_pause = database.job(job.id)
    assert at_pause.status is JobStatus.PROCESSING and at_pause.counters.processed < ROWS
    successor = cluster.worker("worker-2", **SHORT_LEASE)
    done = eventually(lambda: (j := database.job(job.id)).is_terminal and j, 60,
                      "worker-2 to take the job over and finish it")
    written = {
        "users": database.scalar("SELECT count(*) FROM users"),
        "errors": database.scalar("SELECT count(*) FROM job_errors WHERE job_id = :id", id=job.id),
        "last write": database.scalar("SELECT max(updated_at) FROM users"),
    }

    paused.send(signal.SIGCONT)
    paused.wait_for_log(f"job {job.id} was taken over or cancelled; this worker stops")

    after = database.job(job.id)
    assert done.status is JobStatus.COMPLETED, done.failure
    assert done.runs == 2 and done.resumed_from >= at_pause.checkpoint
    assert f"job {job.id}: attempt 1 (run 2, alone: a suspect) taken by worker-2" in successor.log()
    # Nothing moved once the paused worker woke up: not the job row, not a record, not an error.
    assert after.version == done.version and after.counters == done.counters
    assert database.scalar("SELECT count(*) FROM users") == written["users"] == ROWS - invalid
    assert database.scalar("SELECT count(*) FROM job_errors WHERE job_id = :id", id=job.id) \
        == written["errors"] == invalid
    assert database.scalar("SELECT max(updated_at) FROM users") == written["last write"]
    assert written["last write"] <= done.completed_at
    c = after.counters
    assert (c.processed, c.created, c.failed, after.error_count) == \
        (ROWS, ROWS - invalid, invalid, invalid)
    assert database.rows("SELECT email FROM users GROUP BY email HAVING count(*) > 1") == []
