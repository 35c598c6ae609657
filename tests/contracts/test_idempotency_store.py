"""IdempotencyStore contract, run against every adapter: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bulkio.adapters.memory_idempotency import InMemoryIdempotencyStore
from bulkio.adapters.sql import create_engine_for, ensure_schema
from bulkio.adapters.sql.idempotency import SqlIdempotencyStore
from bulkio.adapters.sql.tables import idempotency_keys
from bulkio.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from bulkio.ports.idempotency import Begun, IdempotencyStore, Replay

T0 = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
DAY = timedelta(hours=24)
CLAIM_TIMEOUT = timedelta(minutes=2)
JOB = "550e8400-e29b-41d4-a716-446655440000"
OTHER_JOB = "660e8400-e29b-41d4-a716-446655440001"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IdempotencyStore]:
    if request.param == "memory":
        yield InMemoryIdempotencyStore(claim_timeout=CLAIM_TIMEOUT)
        return
    if request.param == "sqlite":
        engine = create_engine_for(f"sqlite:///{tmp_path}/db/bulkio.db")
        ensure_schema(engine)
    else:
        engine = request.getfixturevalue("pg_engine")  # migrated once per session
        with engine.begin() as conn:
            conn.execute(sa.delete(idempotency_keys))
    yield SqlIdempotencyStore(engine, claim_timeout=CLAIM_TIMEOUT)
    if request.param == "sqlite":
        engine.dispose()


def test_first_use_of_a_key_claims_it(store: IdempotencyStore) -> None:
    assert store.begin("scope-a", "key-1", "fp-1", T0, DAY) == Begun()


def test_same_request_replays_the_job_when_the_first_completed(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    store.complete("scope-a", "key-1", JOB)

    assert store.begin("scope-a", "key-1", "fp-1", T0 + timedelta(hours=1), DAY) == Replay(JOB)


def test_same_request_is_refused_when_the_first_is_still_in_flight(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)

    with pytest.raises(IdempotencyKeyInFlight):
        store.begin("scope-a", "key-1", "fp-1", T0 + timedelta(seconds=1), DAY)


@pytest.mark.parametrize("completed", [False, True])
def test_different_request_is_refused_when_the_key_was_used(store: IdempotencyStore,
                                                            completed: bool) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    if completed:
        store.complete("scope-a", "key-1", JOB)

    with pytest.raises(IdempotencyKeyReused):
        store.begin("scope-a", "key-1", "fp-2", T0 + timedelta(seconds=1), DAY)


def test_key_is_free_again_when_its_request_was_abandoned(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    store.abandon("scope-a", "key-1")

    assert store.begin("scope-a", "key-1", "fp-2", T0 + timedelta(seconds=1), DAY) == Begun()


def test_abandon_keeps_a_completed_key(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    store.complete("scope-a", "key-1", JOB)
    store.abandon("scope-a", "key-1")

    assert store.begin("scope-a", "key-1", "fp-1", T0, DAY) == Replay(JOB)


def test_key_is_free_again_when_it_expired(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    store.complete("scope-a", "key-1", JOB)

    assert store.begin("scope-a", "key-1", "fp-1", T0 + DAY - timedelta(seconds=1), DAY) == Replay(JOB)
    assert store.begin("scope-a", "key-1", "fp-2", T0 + DAY, DAY) == Begun()


def test_claim_of_a_dead_request_is_taken_over_when_it_is_old(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)

    with pytest.raises(IdempotencyKeyInFlight):
        store.begin("scope-a", "key-1", "fp-1", T0 + CLAIM_TIMEOUT - timedelta(seconds=1), DAY)
    assert store.begin("scope-a", "key-1", "fp-1", T0 + CLAIM_TIMEOUT, DAY) == Begun()


def test_scopes_do_not_share_keys(store: IdempotencyStore) -> None:
    store.begin("scope-a", "key-1", "fp-1", T0, DAY)
    store.complete("scope-a", "key-1", JOB)

    assert store.begin("scope-b", "key-1", "fp-2", T0, DAY) == Begun()
    store.complete("scope-b", "key-1", OTHER_JOB)
    assert store.begin("scope-a", "key-1", "fp-1", T0, DAY) == Replay(JOB)
    assert store.begin("scope-b", "key-1", "fp-2", T0, DAY) == Replay(OTHER_JOB)


def test_purge_forgets_only_expired_keys(store: IdempotencyStore) -> None:
    store.begin("scope-a", "old", "fp-1", T0, timedelta(hours=1))
    store.complete("scope-a", "old", JOB)
    store.begin("scope-a", "new", "fp-1", T0, DAY)
    store.complete("scope-a", "new", OTHER_JOB)

    assert store.purge(T0 + timedelta(hours=2)) == 1
    assert store.begin("scope-a", "new", "fp-1", T0 + timedelta(hours=2), DAY) == Replay(OTHER_JOB)


def test_exactly_one_of_many_simultaneous_requests_claims_the_key(store: IdempotencyStore) -> None:
    outcomes: list[object] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        try:
            outcomes.append(store.begin("scope-a", "key-1", "fp-1", T0, DAY))
        except IdempotencyKeyInFlight as err:
            outcomes.append(err)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(outcomes) == 8
    assert outcomes.count(Begun()) == 1
    assert all(isinstance(o, IdempotencyKeyInFlight) for o in outcomes if o != Begun())
