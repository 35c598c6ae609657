"""A job that kills its worker every time fails on its own; the healthy job that shared the
worker with it completes.

The poison job stands for a job whose input crashes its process (a fault in a native library,
a memory limit): whenever a worker runs it, the test kills that worker with SIGKILL, the way
such a crash ends it, and starts a fresh one, the way a supervisor would.
"""

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

MAX_ATTEMPTS = 2
SETTINGS = {"JOB_BATCH_SIZE": 250, "JOB_STALE_LOCK_THRESHOLD_MS": 1500,
            "JOB_SWEEP_INTERVAL_MS": 300, "JOB_MAX_ATTEMPTS": MAX_ATTEMPTS}
HEALTHY_ROWS = 50_000


def test_a_poison_job_fails_alone_while_the_healthy_job_beside_it_completes(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    workers: dict[str, Node] = {"worker-1": cluster.worker("worker-1", threads=2, **SETTINGS)}
    healthy = client.import_file(write_users_csv(tmp_path / "healthy.csv", range(HEALTHY_ROWS)),
                                 "users")
    eventually(lambda: database.job(healthy.id).checkpoint >= 1000, 60,
               "the healthy job to be under way", interval=0.02)
    poison = client.import_file(write_users_csv(tmp_path / "poison.csv",
                                                range(100_000, 105_000)), "users")

    kills, deadline = [], time.monotonic() + 240
    while not (database.job(poison.id).is_terminal and database.job(healthy.id).is_terminal):
        assert time.monotonic() < deadline, f"still running after {kills}"
        running = database.job(poison.id)
        victim = workers.get(running.locked_by or "")
        if running.status is JobStatus.PROCESSING and victim is not None and victim.alive():
            beside = database.job(healthy.id)
            kills.append((victim.name, beside.status is JobStatus.PROCESSING
                          and beside.locked_by == victim.name))
            victim.send(signal.SIGKILL)
            victim.process.wait(10)
            name = f"worker-{len(workers) + 1}"
            workers[name] = cluster.worker(name, threads=2, **SETTINGS)
        time.sleep(0.02)

    failed, done = database.job(poison.id), database.job(healthy.id)
    assert kills[0] == ("worker-1", True)  # the first crash took both jobs down
    assert failed.status is JobStatus.FAILED
    assert failed.failure.startswith(f"gave up after {MAX_ATTEMPTS} attempts: each time it ran "
                                     "alone, its worker stopped responding")
    assert failed.suspect and failed.attempts == MAX_ATTEMPTS
    # Once a suspect, it never shared a worker again: every later crash was its own.
    assert [beside for _, beside in kills[1:]] == [False] * MAX_ATTEMPTS
    assert done.status is JobStatus.COMPLETED, done.failure
    assert (done.counters.processed, done.counters.created) == (HEALTHY_ROWS, HEALTHY_ROWS)
    assert done.suspect and done.attempts == 1
    assert database.scalar("SELECT count(*) FROM users WHERE last_job_id = :id",
                           id=healthy.id) == HEALTHY_ROWS
