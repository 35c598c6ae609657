"""Jobs on the Dramatiq queue, in this process: the queue only carries job ids, and the job row
decides what happens (attempt limit, duplicate and lost messages, transient faults)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
from dependency_injector import providers

from bulkio.adapters.redis_lock import RedisJobLock
from bulkio.api import Bulkio
from bulkio.domain.errors import Unavailable
from bulkio.domain.jobs import JobStatus
from bulkio.entrypoints.worker import ACTOR, MAX_RETRIES, QUEUE, TIME_LIMIT_MS
from tests.integration.files import write_users_csv
from tests.production import broker_keys, production_bulkio, worker_running

pytestmark = pytest.mark.services

WAIT_S = 30


@pytest.fixture
def services(pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str) -> tuple[str, ...]:
    return pg_url, redis_url, s3_endpoint, s3_bucket


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return write_users_csv(tmp_path / "users.csv", range(40))


def drain(bio: Bulkio) -> None:
    """Wait until every message on the queue was handled and acknowledged."""
    bio.container.broker().join(QUEUE, timeout=WAIT_S * 1000)


def users_count(bio: Bulkio) -> int:
    return sum(1 for _ in bio.export("users"))


def test_job_runs_on_a_worker_when_submitted_through_the_python_api(
    services: tuple[str, ...], users_file: Path,
) -> None:
    with production_bulkio(*services) as bio:
        job = bio.wait(bio.import_file(users_file, "users").id, timeout=WAIT_S)

    assert job.status is JobStatus.COMPLETED
    assert (job.counters.created, job.attempts) == (40, 1)


def test_actor_allows_long_jobs_and_never_drops_old_messages_when_declared(
    services: tuple[str, ...],
) -> None:
    with production_bulkio(*services) as bio:
        options = bio.container.broker().get_actor(ACTOR).options

    assert options["time_limit"] == TIME_LIMIT_MS >= 60 * 60 * 1000  # Dramatiq's default: 10 min
    assert "max_age" not in options  # counted from the first enqueue: would drop recovered jobs
    assert options["min_backoff"] >= 1000
    # Only what may pass is retried (a bounded number of times); other errors are on the job.
    retry = options["retry_when"]
    assert retry(0, Unavailable("S3 away")) and not retry(MAX_RETRIES, Unavailable("S3 away"))
    assert not retry(0, ValueError("a bug"))


def test_job_fails_with_its_reason_when_its_attempts_are_used_up(
    services: tuple[str, ...], users_file: Path,
) -> None:
    with production_bulkio(*services, worker=False, JOB_MAX_ATTEMPTS=3) as bio:
        job = bio.import_file(users_file, "users")
        jobs = bio.container.job_repository()
        crashing = jobs.get(job.id)
        for _ in range(3):  # three workers died on it while it ran alone
            crashing.start("gone", datetime.now(UTC), alone=True)
            crashing.recover(datetime.now(UTC))
        jobs.save(crashing)

        with worker_running(bio):
            ended = bio.wait(job.id, timeout=WAIT_S)
        written = users_count(bio)

    assert ended.status is JobStatus.FAILED
    assert ended.failure == ("gave up after 3 attempts: each time it ran alone, its worker "
                             "stopped responding (crashed, was killed or froze) while running it")
    assert ended.attempts == 3 and written == 0


def test_duplicate_message_changes_nothing_when_the_job_already_ran(
    services: tuple[str, ...], users_file: Path,
) -> None:
    with production_bulkio(*services) as bio:
        done = bio.wait(bio.import_file(users_file, "users").id, timeout=WAIT_S)
        for _ in range(2):  # what Dramatiq redelivers after a worker crash
            bio.container.queue().enqueue_run(done.id)
        drain(bio)
        after = bio.get_job(done.id)

    assert after.status is JobStatus.COMPLETED
    assert (after.version, after.attempts, after.counters) == (done.version, 1, done.counters)


def test_sweep_enqueues_pending_job_again_when_its_message_was_lost(
    services: tuple[str, ...], users_file: Path,
) -> None:
    with production_bulkio(*services, worker=False, JOB_STALE_THRESHOLD_MS=300) as bio:
        job = bio.import_file(users_file, "users")
        broker = bio.container.broker()
        broker.client.delete(*broker_keys(bio))  # Redis lost its data while no worker ran
        assert broker_keys(bio) == []
        time.sleep(0.5)  # older than JOB_STALE_THRESHOLD_MS

        with worker_running(bio):  # its start-up sweep re-sends the message
            ended = bio.wait(job.id, timeout=WAIT_S)

    assert ended.status is JobStatus.COMPLETED
    assert (ended.counters.created, ended.attempts) == (40, 1)


def test_recovered_job_runs_once_the_dead_holder_lease_lapses(
    services: tuple[str, ...], users_file: Path, redis_url: str,
) -> None:
    # No re-send by the sweep to fall back on: the retry alone must bring the job back.
    with production_bulkio(*services, worker=False, JOB_STALE_THRESHOLD_MS=600_000) as bio, \
            ExitStack() as dead_holder:
        job = bio.import_file(users_file, "users")
        # A worker that died holding the lock: its key outlives it for the lease's TTL.
        prefix = f"{bio.container.broker().namespace}:lock:"
        lock = RedisJobLock(redis_url, ttl_ms=1500, prefix=prefix)
        dead_holder.callback(lock.close)
        assert dead_holder.enter_context(lock.hold(job.id, "dead-worker")) is not None

        with worker_running(bio):  # the message arrives while the key still exists
            ended = bio.wait(job.id, timeout=WAIT_S)

    assert ended.status is JobStatus.COMPLETED
    assert ended.attempts == 1


class FlakyStorage:
    """Storage whose first `failures` reads fail the way an unreachable S3 does."""

    def __init__(self, storage: object, failures: int) -> None:
        self._storage, self.failures = storage, failures

    def open_reader(self, key: str) -> BinaryIO:
        if self.failures > 0:
            self.failures -= 1
            raise Unavailable("S3 does not answer")
        return self._storage.open_reader(key)  # type: ignore[attr-defined]

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        return self._storage.put(key, chunks)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._storage, name)


def test_job_waits_out_a_brief_outage_without_losing_an_attempt_when_a_service_is_away(
    services: tuple[str, ...], users_file: Path,
) -> None:
    with production_bulkio(*services, worker=False) as bio:
        job = bio.import_file(users_file, "users")
        flaky = FlakyStorage(bio.container.storage(), failures=1)
        bio.container.storage.override(providers.Object(flaky))  # what the worker will read
        with worker_running(bio):
            ended = bio.wait(job.id, timeout=WAIT_S)

    assert flaky.failures == 0
    assert ended.status is JobStatus.COMPLETED
    assert (ended.attempts, ended.runs, ended.counters.created) == (1, 1, 40)
    assert ended.completed_at - ended.started_at >= timedelta(seconds=0.5)  # the first pause
