"""JobLock contract: one lease per job at a time, whatever holds it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import redis

from bulkio.adapters.in_process import InProcessJobLock
from bulkio.adapters.redis_lock import RedisJobLock
from bulkio.domain.errors import Unavailable
from bulkio.ports.lock import JobLock


@pytest.fixture(params=["in_process", "redis"])
def lock(request: pytest.FixtureRequest) -> Iterator[JobLock]:
    if request.param == "in_process":
        yield InProcessJobLock()
        return
    redis_lock = RedisJobLock(request.getfixturevalue("redis_url"), ttl_ms=5000, prefix=unique_prefix())
    yield redis_lock
    redis_lock.close()


def unique_prefix() -> str:
    return f"bulkio-test:{uuid.uuid4().hex[:8]}:lock:"


def test_second_owner_gets_nothing_when_job_is_held(lock: JobLock) -> None:
    with lock.hold("job-1", "worker-a") as first:
        with lock.hold("job-1", "worker-b") as second:
            assert first is not None
            assert second is None


def test_same_owner_gets_nothing_when_it_already_holds_the_job(lock: JobLock) -> None:
    with lock.hold("job-1", "worker-a") as first, lock.hold("job-1", "worker-a") as again:
        assert first is not None
        assert again is None


def test_second_owner_gets_lease_when_first_released(lock: JobLock) -> None:
    with lock.hold("job-1", "worker-a") as first:
        assert first is not None

    with lock.hold("job-1", "worker-b") as second:
        assert second is not None


def test_lease_is_released_when_block_raises(lock: JobLock) -> None:
    with pytest.raises(RuntimeError), lock.hold("job-1", "worker-a"):
        raise RuntimeError("job crashed")

    with lock.hold("job-1", "worker-b") as second:
        assert second is not None


def test_jobs_are_locked_independently_when_ids_differ(lock: JobLock) -> None:
    with lock.hold("job-1", "worker-a") as first, lock.hold("job-2", "worker-b") as second:
        assert first is not None
        assert second is not None


def test_lease_renews_while_held_and_not_after_release(lock: JobLock) -> None:
    with lock.hold("job-1", "worker-a") as lease:
        assert lease is not None
        assert lease.renew() is True
        assert lease.renew() is True

    assert lease.renew() is False


def test_redis_lease_is_lost_when_ttl_expires_without_renewal(redis_url: str) -> None:
    lock = RedisJobLock(redis_url, ttl_ms=200, prefix=unique_prefix())

    with lock.hold("job-1", "worker-a") as first:
        assert first is not None
        time.sleep(0.3)
        with lock.hold("job-1", "worker-b") as second:
            assert second is not None
            assert first.renew() is False
            assert second.renew() is True
    lock.close()


def test_redis_lease_survives_past_ttl_when_renewed(redis_url: str) -> None:
    lock = RedisJobLock(redis_url, ttl_ms=200, prefix=unique_prefix())

    with lock.hold("job-1", "worker-a") as first:
        assert first is not None
        for _ in range(4):
            time.sleep(0.1)
            assert first.renew() is True
        with lock.hold("job-1", "worker-b") as second:
            assert second is None
    lock.close()


def test_redis_expired_holder_does_not_release_the_new_holder(redis_url: str) -> None:
    lock = RedisJobLock(redis_url, ttl_ms=200, prefix=unique_prefix())

    with ExitStack() as worker_b:
        with lock.hold("job-1", "worker-a") as first:
            assert first is not None
            time.sleep(0.3)
            assert worker_b.enter_context(lock.hold("job-1", "worker-b")) is not None
        # worker-a left after its lease expired; worker-b must still hold the job.
        with lock.hold("job-1", "worker-c") as third:
            assert third is None
    lock.close()


def test_redis_token_names_the_owner(redis_url: str) -> None:
    prefix = unique_prefix()
    client = redis.Redis.from_url(redis_url)
    lock = RedisJobLock(client, ttl_ms=5000, prefix=prefix)

    with lock.hold("job-1", "worker-a") as lease:
        stored = client.get(prefix + "job-1")
        assert lease is not None
        assert stored == lease.token.encode()  # type: ignore[attr-defined]
        assert stored.startswith(b"worker-a:")
    client.close()


def test_redis_hold_is_unavailable_when_redis_is_down() -> None:
    lock = RedisJobLock("redis://127.0.0.1:1/0", ttl_ms=5000)

    with pytest.raises(Unavailable), lock.hold("job-1", "worker-a"):
        pass
