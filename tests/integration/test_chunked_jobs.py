"""One import on many workers: a file larger than `JOB_CHUNK_BYTES` is split into chunk jobs
that two worker processes import at once; one of them is killed (SIGKILL) in the middle of its
chunk, another worker's sweep recovers that chunk, which resumes from its own checkpoint, and
the import ends with one exact total and every row error at its row in the whole file."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from bulkio.api import Bulkio
from bulkio.domain.jobs import Job, JobStatus
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.files import write_users_csv

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROWS = 120_000
INVALID_EVERY = 1000  # rows 1, 1001, 2001, ... have an unknown role
SETTINGS = {
    "JOB_BATCH_SIZE": 500,
    "JOB_STALE_LOCK_THRESHOLD_MS": 2000,  # no heartbeat for 2 s: the worker is gone
    "JOB_SWEEP_INTERVAL_MS": 500,
}


def test_one_import_runs_on_two_workers_and_ends_exact_when_one_is_killed(
    cluster: Cluster, client: Bulkio, database: Database, tmp_path: Path,
) -> None:
    source = write_users_csv(tmp_path / "users.csv", range(ROWS), invalid_every=INVALID_EVERY)
    settings = {**SETTINGS, "JOB_CHUNK_BYTES": source.stat().st_size // 3 + 1}  # three chunks
    workers = {name: cluster.worker(name, threads=1, **settings) for name in ("w1", "w2")}
    job = client.import_file(source, "users")

    def two_chunks_under_way() -> list[Job] | None:
        running = [c for c in database.jobs.chunks_of(job.id)
                   if c.status is JobStatus.PROCESSING and c.counters.processed > 0]
        return running if len({c.locked_by for c in running}) == 2 else None

    running = eventually(two_chunks_under_way, 90, "both workers to import a chunk at once",
                         interval=0.02)
    victim = running[0]
    workers[victim.locked_by].send(signal.SIGKILL)
    workers[victim.locked_by].process.wait(10)
    at_kill = database.job(victim.id)
    assert at_kill.status is JobStatus.PROCESSING and at_kill.checkpoint < at_kill.last_row

    cluster.worker("w3", threads=1, **settings)
    done = eventually(lambda: (j := database.job(job.id)).is_terminal and j, 120,
                      "the split import to end")

    assert done.status is JobStatus.COMPLETED, done.failure
    assert done.chunks == 3
    invalid = ROWS // INVALID_EVERY
    c = done.counters
    assert (c.total, c.processed, c.created, c.failed) == (ROWS, ROWS, ROWS - invalid, invalid)
    assert (c.updated, c.skipped, done.error_count) == (0, 0, invalid)
    assert [e.row for e in done.errors] == list(range(1, 100 * INVALID_EVERY, INVALID_EVERY))
    assert [r.row for r in database.rows(
        "SELECT row FROM job_errors WHERE job_id = :id ORDER BY row", id=job.id)] == \
        list(range(1, ROWS, INVALID_EVERY))
    assert database.scalar("SELECT count(*) FROM users") == ROWS - invalid
    chunks = database.jobs.chunks_of(job.id)
    assert [c.status for c in chunks] == [JobStatus.COMPLETED] * 3
    recovered = next(c for c in chunks if c.id == victim.id)
    assert (recovered.runs, recovered.resumed_from) == (2, at_kill.checkpoint)
    assert sum(c.counters.processed for c in chunks) == ROWS
