"""Two imports that race: another job commits, between this job's look-up of a batch and its
write, a record the plan could not foresee (a new key holding an id this batch gives another
key). Whatever the store, the batch is planned again from a fresh look-up and the row that
lost the race is a row error, as if the jobs had run one after the other; the job is never
failed by it.

The race is made deterministic: the other job commits right before this job's first write, so
every batch of this job was looked up before the rival record existed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bulkio.adapters.clock import FixedClock
from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.domain.batches import PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job, JobStatus
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import USERS
from bulkio.domain.rows import ErrorCode
from bulkio.ports.batches import BatchWriter
from bulkio.services.settings import JobSettings
from tests.contracts.conftest import Adapters, commit
from tests.contracts.test_record_store import added, uid, user
from tests.doubles import RecordingQueue
from tests.unit.services.conftest import World

HEADER = "email,name,role,active,id\n"


class RivalFirst:
    """A `BatchWriter` that lets `rival` commit right before this job's first write."""

    def __init__(self, inner: BatchWriter, rival: Callable[[], None]) -> None:
        self._inner, self._rival = inner, rival
        self.writes = 0

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        self.writes += 1
        if self.writes == 1:
            self._rival()
        return self._inner.write(job, batch)


def world_on(adapters: Adapters, tmp_path: Path, batch_size: int) -> World:
    return World(jobs=adapters.jobs, records=adapters.records,  # type: ignore[arg-type]
                 storage=LocalFileStorage(tmp_path / "files"), queue=RecordingQueue(),
                 clock=FixedClock(), fetcher=InMemoryFetcher({}),
                 settings=JobSettings(batch_size=batch_size, worker_id="test-worker"),
                 files=tmp_path / "files")


@pytest.mark.parametrize("batch_size", [2, 150], ids=["small batches", "COPY-sized batches"])
def test_an_id_taken_by_another_job_after_the_look_up_is_a_row_error(
        adapters: Adapters, tmp_path: Path, new_job, batch_size: int) -> None:
    rows = [f"u{n:03d}@example.com,U{n},reader,true,{uid(n)}\n" for n in range(200)]
    rows[1] = f"late@example.com,Late,reader,true,{uid(900)}\n"  # the id the rival takes
    rows[170] = f"late@example.com,Late again,reader,true,{uid(900)}\n"  # and once more

    def rival() -> None:
        commit(adapters.batches, added(adapters.jobs, new_job()),
               [user("rival@example.com", 900)], creates={"rival@example.com"})

    world = world_on(adapters, tmp_path, batch_size)
    world.batches = RivalFirst(adapters.batches, rival)
    job = world.upload("users", HEADER + "".join(rows))

    assert job.status is JobStatus.COMPLETED, job.failure
    c = job.counters
    assert (c.created, c.updated, c.skipped, c.failed, c.processed) == (198, 0, 0, 2, 200)
    assert [(e.row, e.field, e.code) for e in job.errors] == [
        (2, "id", ErrorCode.UNIQUE_VIOLATION), (171, "id", ErrorCode.UNIQUE_VIOLATION)]
    stored = {r["email"]: r["id"] for r in adapters.records.stream(ExportQuery.build(USERS))}
    assert stored["rival@example.com"] == uid(900) and "late@example.com" not in stored
    assert len(stored) == 199


@pytest.mark.parametrize("batch_size", [2, 150], ids=["small batches", "COPY-sized batches"])
def test_a_key_created_by_another_job_after_the_look_up_keeps_what_this_file_does_not_say(
        adapters: Adapters, tmp_path: Path, new_job, batch_size: int) -> None:
    # This file has no `active` column: planned as a create, its row would store the default
    # (`true`); once the rival stored the key inactive, the row is an update of name and role
    # only, as if the jobs had run one after the other.
    rows = [f"u{n:03d}@example.com,U{n},reader\n" for n in range(200)]
    rows[1] = "late@example.com,Late,editor\n"

    def rival() -> None:
        commit(adapters.batches, added(adapters.jobs, new_job()),
               [user("late@example.com", 900, active=False)], creates={"late@example.com"})

    world = world_on(adapters, tmp_path, batch_size)
    world.batches = RivalFirst(adapters.batches, rival)
    job = world.upload("users", "email,name,role\n" + "".join(rows))

    assert job.status is JobStatus.COMPLETED, job.failure
    c = job.counters
    assert (c.created, c.updated, c.skipped, c.failed) == (199, 1, 0, 0)
    late = next(r for r in adapters.records.stream(ExportQuery.build(USERS))
                if r["email"] == "late@example.com")
    assert (late["id"], late["name"], late["role"], late["active"]) == (
        uid(900), "Late", "editor", False)
