"""Clock and IdGenerator: every adapter gives aware UTC times and distinct canonical UUIDs."""

from __future__ import annotations

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
