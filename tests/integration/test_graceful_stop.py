"""A worker asked to stop (SIGTERM) mid-import: the job pauses after its batch, goes straight back
to pending and another worker resumes it from its checkpoint, without waiting for it to go stale."""

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

ROWS = 50_000
SLOW_RECOVERY = {
    "JOB_BATCH_SIZE": 500,
    "JOB_STALE_LOCK_THRESHOLD_MS": 600_000,  # the sweep would take 10 minutes: not what helps here
    "JOB_SWEEP_INTERVAL_MS": 600_000,
}


def test_a_stopped_worker_hands_its_job_back_when_it_receives_sigterm(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    source = write_users_csv(tmp_path / "users.csv", range(ROWS))
    first = cluster.worker("worker-1", **SLOW_RECOVERY)
    job = client.import_file(source, "users")
    eventually(lambda: database.job(job.id).counters.processed >= ROWS // 5, 90,
               "the first worker to import a fifth of the file", interval=0.02)

    first.send(signal.SIGTERM)
    assert first.process.wait(30) == 0
    paused = database.job(job.id)
    assert paused.status is JobStatus.PENDING
    assert 0 < paused.checkpoint < ROWS

    cluster.worker("worker-2", **SLOW_RECOVERY)
    done = eventually(lambda: (j := database.job(job.id)).is_terminal and j, 90,
                      "the second worker to finish the job")
    assert done.status is JobStatus.COMPLETED, done.failure
    assert (paused.attempts, paused.runs) == (0, 1)  # a hand-over costs no attempt
    assert (done.attempts, done.runs, done.resumed_from) == (1, 2, paused.checkpoint)
    assert (done.counters.processed, done.counters.created) == (ROWS, ROWS)
    assert database.scalar("SELECT count(*) FROM users") == ROWS
