"""A worker holds no more jobs than it has job threads: with Dramatiq's default (twice as many)
the first worker to poll took two jobs queued at once and ran them one after the other, while
another worker had nothing to take (the chunks of a split import then ran one by one)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import bulkio
from bulkio.api import Bulkio
from bulkio.domain.jobs import JobStatus
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv

pytestmark = [pytest.mark.services, pytest.mark.slow]


# The sweep re-sends a job pending for this long, which would hide a job held by a busy worker.
NO_RESEND = {"JOB_STALE_THRESHOLD_MS": 600_000}


@pytest.fixture
def client(node_env: dict[str, str]) -> Iterator[Bulkio]:
    with bulkio.open({**node_env, **{k: str(v) for k, v in NO_RESEND.items()}}) as handle:
        yield handle


def test_two_jobs_queued_at_once_run_on_two_one_thread_workers(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    first_worker = cluster.worker("w1", threads=1, JOB_BATCH_SIZE=200, **NO_RESEND)
    second_worker = cluster.worker("w2", threads=1, **NO_RESEND)
    for worker in (first_worker, second_worker):
        worker.send(signal.SIGSTOP)
    long_job = client.import_file(write_users_csv(tmp_path / "long.csv", range(60_000)), "users")
    short_job = client.import_file(write_users_csv(tmp_path / "short.csv",
                                                   range(100_000, 100_100)), "users")
    first_worker.send(signal.SIGCONT)  # it polls first: the long job, and no more
    eventually(lambda: database.job(long_job.id).counters.processed > 0, 60,
               "the first worker to start the long job", interval=0.05)
    time.sleep(0.5)  # a poll or two more of its consumer
    second_worker.send(signal.SIGCONT)

    short = eventually(lambda: (j := database.job(short_job.id)).is_terminal and j, 120,
                       "the short job to end")
    assert short.status is JobStatus.COMPLETED
    assert database.job(long_job.id).status is JobStatus.PROCESSING, \
        "the short job waited for the long one: the first worker held both"
    assert f"job {short_job.id}: attempt 1 (run 1) taken by w2" in second_worker.log()
