"""Clock and IdGenerator: every adapter gives aware UTC times and distinct canonical UUIDs."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC

import pytest

from bulkio.adapters.clock import FixedClock, SequentialIds, SystemClock, Uuid4Ids
from bulkio.ports.clock import Clock, IdGenerator


@pytest.fixture(params=[SystemClock, FixedClock], ids=["system", "fixed"])
def clock(request: pytest.FixtureRequest) -> Clock:
    return request.param()


@pytest.fixture(params=[Uuid4Ids, SequentialIds], ids=["uuid4", "sequential"])
def ids(request: pytest.FixtureRequest) -> IdGenerator:
    return request.param()


def test_now_is_timezone_aware_utc_when_read(clock: Clock) -> None:
    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset() == UTC.utcoffset(now)


def test_time_never_goes_backwards_when_read_twice(clock: Clock) -> None:
    first = clock.now()
    assert clock.now() >= first


def test_ids_are_distinct_canonical_uuids_when_generated(ids: IdGenerator) -> None:
    made = [ids.new_id() for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all(str(uuid.UUID(i)) == i for i in made)


def test_random_ids_are_version_4_when_generated() -> None:
    made = [uuid.UUID(Uuid4Ids().new_id()) for _ in range(200)]
    assert {(u.version, u.variant) for u in made} == {(4, uuid.RFC_4122)}


def test_random_ids_stay_distinct_and_version_4_across_blocks() -> None:
    made = [uuid.UUID(Uuid4Ids().new_id()) for _ in range(3 * Uuid4Ids.BLOCK + 7)]
    assert len(set(made)) == len(made)
    assert {(u.version, u.variant) for u in made} == {(4, uuid.RFC_4122)}


def test_random_ids_drawn_on_many_threads_are_distinct() -> None:
    ids = Uuid4Ids()
    made: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(ids.new_id() for _ in range(Uuid4Ids.BLOCK + 10))

    threads = [threading.Thread(target=draw, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for into in made for i in into]
    assert len(set(every)) == len(every) == 4 * (Uuid4Ids.BLOCK + 10)


def test_a_forked_child_never_hands_out_its_parents_ids() -> None:
    """The parent has a block drawn when it forks; the child draws a block of its own."""
    ids = Uuid4Ids()
    ids.new_id()  # the parent's block is drawn
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, "\n".join(ids.new_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        from_child = set(pipe.read().split("\n"))
    os.waitpid(child, 0)
    from_parent = {ids.new_id() for _ in range(100)}
    assert len(from_child) == 100
    assert not from_child & from_parent
