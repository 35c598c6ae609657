"""A worker killed mid-import: the sweep of another worker recovers the job, which resumes from
its checkpoint and ends with every row written exactly once."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bulkio.api import Bulkio
from bulkio.domain.jobs import JobStatus
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROWS = 100_000
FAST_RECOVERY = {
    "JOB_BATCH_SIZE": 500,  # ~200 commits: the job runs for several seconds
    "JOB_STALE_LOCK_THRESHOLD_MS": 2000,  # no heartbeat for 2 s: the worker is gone
    "JOB_SWEEP_INTERVAL_MS": 500,
}


def test_killed_worker_job_resumes_from_its_checkpoint_when_another_worker_sweeps(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    source = write_users_csv(tmp_path / "users.csv", range(ROWS))
    first = cluster.worker("worker-1", **FAST_RECOVERY)
    job = client.import_file(source, "users")

    eventually(lambda: database.job(job.id).counters.processed >= ROWS // 2, 90,
               "the first worker to import half of the file", interval=0.02)
    first.send(signal.SIGKILL)
    first.process.wait(10)
    at_kill = database.job(job.id)
    assert at_kill.status is JobStatus.PROCESSING
    assert 0 < at_kill.checkpoint < ROWS

    second = cluster.worker("worker-2", **FAST_RECOVERY)
    done = eventually(lambda: (j := database.job(job.id)).is_terminal and j, 90,
                      "the second worker to finish the job")

    assert done.status is JobStatus.COMPLETED, done.failure
    assert (done.attempts, done.runs, done.resumed_from) == (1, 2, at_kill.checkpoint)
    c = done.counters
    assert (c.total, c.processed, c.successful, c.created) == (ROWS, ROWS, ROWS, ROWS)
    assert (c.updated, c.skipped, c.failed, done.error_count) == (0, 0, 0, 0)
    assert database.scalar("SELECT count(*) FROM users") == ROWS
    assert database.rows("SELECT email FROM users GROUP BY email HAVING count(*) > 1") == []
    assert database.scalar("SELECT count(*) FROM users WHERE last_job_id = :id", id=job.id) == ROWS
    assert (f"job {job.id}: attempt 1 (run 2, alone: a suspect) taken by worker-2, starting "
            f"after row {at_kill.checkpoint}") in second.log()
    assert "stale job" in second.log()
