"""One worker frozen (SIGSTOP) inside its batch transaction holds its job's row lock. Another
worker dies meanwhile: its job is recovered within the stated bound all the same, and the API
answers a cancel of the frozen job with 503 within its lock timeout instead of hanging."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from bulkio.api import Bulkio
from bulkio.domain.jobs import JobStatus
from tests.integration.cluster import Cluster, Node, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv
from tests.integration.test_fencing import with_application_name

pytestmark = [pytest.mark.services, pytest.mark.slow]

STALE_MS, SWEEP_MS, LOCK_MS = 1500, 300, 500
SETTINGS = {"JOB_BATCH_SIZE": 250, "JOB_STALE_LOCK_THRESHOLD_MS": STALE_MS,
            "JOB_SWEEP_INTERVAL_MS": SWEEP_MS, "JOB_LOCK_TIMEOUT_MS": LOCK_MS}
# The stated bound (docs/production.md, "Recovery bound"), with room for the sweep itself and a
# loaded machine; the frozen session would hold the old code for 10 minutes.
RECOVERY_BOUND_S = (STALE_MS + SWEEP_MS) / 1000 + 10


def freeze_inside_a_batch(node: Node, database: Database) -> None:
    """SIGSTOP the node at a moment its open transaction has written the jobs table.

    The lock is read twice, 0.2 s apart: a COMMIT the node sent just before it stopped still
    ends its transaction in the server, and a batch caught that way is not frozen inside."""
    def holding() -> bool:
        return bool(database.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE a.application_name = :name AND l.relation = 'jobs'::regclass "
            "AND l.mode = 'RowExclusiveLock' AND a.backend_xid IS NOT NULL", name=node.name))

    for _ in range(500):
        node.send(signal.SIGSTOP)
        if holding():
            time.sleep(0.2)
            if holding():
                return
        node.send(signal.SIGCONT)
        time.sleep(0.005)
    raise AssertionError(f"{node.name} was never caught inside a batch transaction")


def test_a_frozen_worker_holds_up_neither_recovery_nor_the_api_when_another_worker_dies(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path, free_tcp_port: int,
) -> None:
    url = cluster.env["DATABASE_URL"]
    api = cluster.api("api", free_tcp_port, **SETTINGS)
    frozen = cluster.worker("frozen", threads=1,
                            DATABASE_URL=with_application_name(url, "frozen"), **SETTINGS)
    # Large enough to be still running when it is frozen, however fast imports get.
    held = client.import_file(write_users_csv(tmp_path / "a.csv", range(200_000)), "users")
    eventually(lambda: database.job(held.id).locked_by == "frozen", 60, "the first job to start")
    # Frozen before the second job exists, so only the doomed worker can take that one.
    freeze_inside_a_batch(frozen, database)
    doomed = cluster.worker("doomed", threads=1, **SETTINGS)
    other = client.import_file(write_users_csv(tmp_path / "b.csv", range(500_000, 600_000)),
                               "users")
    eventually(lambda: database.job(other.id).checkpoint >= 1000, 60,
               "the second job to make progress", interval=0.02)
    assert database.job(other.id).locked_by == "doomed"

    doomed.send(signal.SIGKILL)
    doomed.process.wait(10)
    rescuer = cluster.worker("rescuer", threads=1, **SETTINGS)

    # The dead worker's job comes back and runs again, though the frozen job sorts first.
    eventually(lambda: database.job(other.id).runs >= 2, RECOVERY_BOUND_S,
               "the dead worker's job to be recovered and claimed again")
    done = eventually(lambda: (j := database.job(other.id)).is_terminal and j, 120,
                      "the recovered job to end")
    assert done.status is JobStatus.COMPLETED, done.failure
    assert (done.counters.processed, done.counters.created) == (100_000, 100_000)
    # Every sweep meets the frozen job's row lock, skips it and says so (the sweeps go on every
    # SWEEP_MS while the worker stays frozen; on a loaded machine the first may come late).
    eventually(lambda: "is locked by a transaction that does not end" in rescuer.log() + api.log(),
               30, "a sweep to report the frozen job's row lock and skip it")

    # The API answers about the frozen job at once, and refuses to wait for its row lock.
    assert database.job(held.id).status is JobStatus.PROCESSING
    with httpx.Client(base_url=api.url, timeout=LOCK_MS / 1000 + 10) as http:
        shown = http.get(f"/v1/imports/{held.id}")
        assert shown.status_code == 200 and shown.json()["status"] == "processing"
        cancel = http.post(f"/v1/imports/{held.id}/cancel")
    assert cancel.status_code == 503, cancel.text
    assert cancel.json()["type"].endswith("/busy") and cancel.headers["Retry-After"]
