"""Batches are planned on the read-ahead thread while the batch before them is still being
written: a plan must come out as if every earlier batch were already stored (`Unwritten`).

The writer here is held until the planner has looked up the batches after the one it writes,
so each later batch is planned while the earlier ones are surely not committed; every outcome
is compared with the same file imported with nothing held (batches of 2 rows)."""

from __future__ import annotations

import threading


from bulkio.adapters.memory_records import InMemoryBatchWriter
from bulkio.domain.batches import PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job, JobStatus
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import USERS as USER_RESOURCE
from bulkio.domain.rows import ErrorCode
from bulkio.domain.upsert import Stored
from bulkio.services.unwritten import Unwritten

ID_X = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
ID_Y = "7a2b3c4d-5e6f-4a70-8b8c-9d0e1f2a3b4c"
HEADER = "email,name,role,active,id\n"


class HeldWriter:
    """Writes batch n only once the planner looked up batch n + `ahead` (or every batch)."""

    def __init__(self, world, batches: int, ahead: int = 2) -> None:
        self._inner = InMemoryBatchWriter(world.records)
        self._batches, self._ahead = batches, ahead
        self._lookups = 0
        self._seen = threading.Condition()
        self.lookups_before_write: list[int] = []
        records, look_up = world.records, world.records.lookup

        def counted(*args, **kwargs):
            found = look_up(*args, **kwargs)
            with self._seen:
                self._lookups += 1
                self._seen.notify_all()
            return found

        records.lookup = counted  # the instance's own: the pipeline calls it

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        written = len(self.lookups_before_write) + 1
        with self._seen:
            assert self._seen.wait_for(
                lambda: self._lookups >= min(written + self._ahead, self._batches), timeout=10)
            self.lookups_before_write.append(self._lookups)
        return self._inner.write(job, batch)


def stored(world) -> dict[str, tuple]:
    return {r["email"]: (r["id"], r["name"], r["role"], r["active"])
            for r in world.records.stream(ExportQuery.build(USER_RESOURCE))}


def import_held(world, text: str, ahead: int = 2) -> Job:
    rows = text.count("\n") - 1
    writer = HeldWriter(world, batches=(rows + 1) // 2, ahead=ahead)
    world.batches = writer
    job = world.upload("users", text)
    # The proof the test plans ahead: batch 1 was written after batch 3 was looked up.
    assert writer.lookups_before_write[0] >= min(1 + ahead, (rows + 1) // 2)
    return job


def outcome(job: Job) -> tuple:
    c = job.counters
    errors = sorted((e.row, e.field, e.code, e.value) for e in job.errors)
    return job.status, (c.created, c.updated, c.skipped, c.failed, c.processed), errors


def test_a_key_repeated_in_batches_still_unwritten_counts_once_and_its_last_row_wins(
        world, other_world) -> None:
    text = (HEADER + "a@example.com,A1,admin,true,\n" + "b@example.com,B,reader,true,\n"
            + "a@example.com,A2,editor,true,\n" + "c@example.com,C,reader,false,\n"
            + "a@example.com,A3,reader,false,\n" + "a@example.com,A3,reader,false,\n")
    held = import_held(world, text)
    plain = other_world.upload("users", text)
    assert outcome(held) == outcome(plain)
    assert outcome(held)[:2] == (JobStatus.COMPLETED, (3, 0, 3, 0, 6))
    assert stored(world)["a@example.com"][1:] == ("A3", "reader", False)
    assert {k: v[1:] for k, v in stored(world).items()} == {
        k: v[1:] for k, v in stored(other_world).items()}


def test_an_id_claimed_by_a_batch_still_unwritten_is_a_row_error_not_a_failed_batch(
        world, other_world) -> None:
    text = (HEADER + f"a@example.com,A,admin,true,{ID_X}\n" + "b@example.com,B,reader,true,\n"
            + f"c@example.com,C,editor,true,{ID_X}\n" + f"d@example.com,D,reader,true,{ID_Y}\n"
            + f"a@example.com,A,admin,true,{ID_Y}\n" + "e@example.com,E,reader,true,\n")
    held = import_held(world, text)
    plain = other_world.upload("users", text)
    assert outcome(held) == outcome(plain)
    status, counts, errors = outcome(held)
    assert (status, counts) == (JobStatus.COMPLETED, (4, 0, 0, 2, 6))
    assert [(row, field, code) for row, field, code, _ in errors] == [
        (3, "id", ErrorCode.UNIQUE_VIOLATION), (5, "id", ErrorCode.UNIQUE_VIOLATION)]
    assert stored(world)["a@example.com"][0] == ID_X


def test_a_re_import_planned_ahead_skips_what_the_first_import_wrote(world) -> None:
    text = HEADER + "".join(f"u{i}@example.com,U{i},reader,true,\n" for i in range(9))
    import_held(world, text)
    again = import_held(world, text.replace("U4,", "U4 changed,"))
    assert outcome(again)[:2] == (JobStatus.COMPLETED, (0, 1, 8, 0, 9))


def test_a_dry_run_planned_ahead_counts_as_the_import_would(world, other_world) -> None:
    text = (HEADER + "a@example.com,A1,admin,true,\n" + "b@example.com,B,reader,true,\n"
            + "a@example.com,A2,editor,true,\n" + "b@example.com,B,reader,true,\n")
    dry = world.upload("users", text, dry_run=True)
    real = other_world.upload("users", text)
    assert outcome(dry)[1] == outcome(real)[1] == (2, 0, 2, 0, 4)
    assert stored(world) == {}


def test_unwritten_forgets_a_batch_once_it_is_committed() -> None:
    unwritten = Unwritten(USER_RESOURCE, "job-1")
    nothing = ({}, {})
    for batch in range(1, 11):
        writes = [{"email": f"u{batch}-{i}@example.com", "id": f"id-{batch}-{i}", "name": "N"}
                  for i in range(3)]
        unwritten.lay_over(lambda: nothing, [], [])
        unwritten.add(batch, writes, {})
        unwritten.committed(batch - 2)  # two batches in flight, as a writer behind the planner
    unwritten.lay_over(lambda: nothing, [], [])
    assert len(unwritten) == 6  # batches 9 and 10 only: bounded by what is in flight
    unwritten.committed(10)
    unwritten.lay_over(lambda: nothing, [], [])
    assert len(unwritten) == 0


def test_unwritten_records_lie_over_the_store_until_committed() -> None:
    unwritten = Unwritten(USER_RESOURCE, "job-1")
    stale = Stored({"email": "a@example.com", "id": ID_X, "name": "Old", "role": "admin",
                    "active": True}, "job-0")
    unwritten.add(1, [{"email": "a@example.com", "id": ID_X, "name": "New"}],
                  {"a@example.com": stale})
    by_key, by_id = unwritten.lay_over(lambda: ({"a@example.com": stale}, {}),
                                       ["a@example.com"], [ID_X])
    assert by_key["a@example.com"] == Stored({**stale.record, "name": "New"}, "job-1")
    assert by_id[ID_X] == by_key["a@example.com"]
    unwritten.committed(1)
    # Committed: the look-up is the truth again, whatever another job wrote since.
    assert unwritten.lay_over(lambda: ({"a@example.com": stale}, {}),
                              ["a@example.com"], [ID_X]) == ({"a@example.com": stale}, {})


def test_unwritten_drops_only_what_the_store_showed_before_its_look_up() -> None:
    unwritten = Unwritten(USER_RESOURCE, "job-1")
    unwritten.add(1, [{"email": "a@example.com", "id": ID_X, "name": "A"}], {})

    def look_up():  # batch 1 commits while the look-up runs: it may not have seen it
        unwritten.committed(1)
        return {}, {}

    by_key, _ = unwritten.lay_over(look_up, ["a@example.com"], [])
    assert by_key["a@example.com"].record["name"] == "A"


def test_a_store_that_reads_poorly_beside_a_write_has_each_batch_planned_after_the_last_commit(
        world, other_world) -> None:
    events: list[str] = []
    records, look_up = world.records, world.records.lookup
    records.reads_while_writing = False  # as SQLite says of itself
    records.lookup = lambda *args: events.append("look-up") or look_up(*args)
    inner = InMemoryBatchWriter(records)

    class Logged:
        def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
            events.append("write")
            return inner.write(job, batch)

    world.batches = Logged()
    text = (HEADER + "a@example.com,A1,admin,true,\n" + "b@example.com,B,reader,true,\n"
            + "a@example.com,A2,editor,true,\n" + "c@example.com,C,reader,false,\n"
            + "a@example.com,A3,reader,false,\n")
    job = world.upload("users", text)

    assert events == ["look-up", "write"] * 3  # never a look-up before the last batch is in
    assert outcome(job) == outcome(other_world.upload("users", text))


def test_unwritten_remembers_nothing_when_batches_are_planned_after_the_last_commit() -> None:
    writes = [{"email": "a@example.com", "id": ID_X, "name": "A"}]
    real = Unwritten(USER_RESOURCE, "job-1", ahead=False)
    real.add(1, writes, {})
    assert len(real) == 0
    dry = Unwritten(USER_RESOURCE, "job-1", dry_run=True, ahead=False)
    dry.add(1, writes, {})  # a dry run commits nothing: it still has to remember
    assert len(dry) == 1


class RivalAfterPlanningAhead(HeldWriter):
    """`HeldWriter` that, right before the first write (batches 2 and 3 planned by then, on
    the overlay of batch 1), lets another job store `rival@example.com` with id `ID_X`."""

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        if not self.lookups_before_write:
            with self._seen:
                assert self._seen.wait_for(lambda: self._lookups >= 3, timeout=10)
            rival = Job(id="rival-job", kind=job.kind, resource="users", format="csv",
                        created_at=job.created_at, updated_at=job.updated_at)
            self._world.jobs.add(rival)
            self._inner.write(rival, PlannedBatch(
                BatchOutcome(), job.updated_at,
                ({"email": "rival@example.com", "id": ID_X, "name": "R", "role": "reader",
                  "active": True},), creates={"rival@example.com"}))
        return super().write(job, batch)


def test_batches_planned_ahead_on_a_write_that_another_job_refused_are_planned_again(
        world) -> None:
    # Batch 1 gives ID_X to a@; batch 2 repeats a@ as it was (planned ahead: a skip) and
    # batch 3 adds ID_Y to c@. The rival takes ID_X before batch 1 is written: a@ loses the
    # race in both rows, and nothing planned on the overlay of batch 1 survives.
    text = (HEADER + f"a@example.com,A,admin,true,{ID_X}\n" + "b@example.com,B,reader,true,\n"
            + f"a@example.com,A,admin,true,{ID_X}\n" + f"c@example.com,C,editor,true,{ID_Y}\n"
            + "a@example.com,A,admin,true,\n" + "d@example.com,D,reader,true,\n")
    writer = RivalAfterPlanningAhead(world, batches=3)
    writer._world = world
    world.batches = writer
    job = world.upload("users", text)

    assert writer.lookups_before_write[0] >= 3  # batches 2 and 3 were planned ahead
    status, counts, errors = outcome(job)
    assert (status, counts) == (JobStatus.COMPLETED, (4, 0, 0, 2, 6))
    assert [(row, field, code) for row, field, code, _ in errors] == [
        (1, "id", ErrorCode.UNIQUE_VIOLATION), (3, "id", ErrorCode.UNIQUE_VIOLATION)]
    ids = {email: values[0] for email, values in stored(world).items()}
    assert ids["rival@example.com"] == ID_X and ids["c@example.com"] == ID_Y
    assert set(ids) == {"rival@example.com", "a@example.com", "b@example.com", "c@example.com",
                        "d@example.com"}  # row 5 gives a@ no id: it is created with a new one


def test_a_batch_the_store_keeps_refusing_fails_the_job_after_a_bounded_number_of_plans(
        world) -> None:
    from bulkio.domain.errors import Conflict
    from bulkio.services.importing import REPLANS

    tries: list[int] = []

    class Refusing:
        def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
            tries.append(len(batch.writes))
            raise Conflict("id already belongs to another user")

    world.batches = Refusing()
    job = world.upload("users", HEADER + "a@example.com,A,admin,true,\n")
    assert job.status is JobStatus.FAILED
    assert len(tries) == REPLANS + 1
    assert stored(world) == {}
