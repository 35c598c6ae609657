"""JobQueue contract: an enqueued job id reaches a worker's handler, whatever carries it."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator

import dramatiq
import pytest

from bulkio.adapters.dramatiq_queue import WORKERS_SHOWN_FOR, DramatiqJobQueue, redis_broker
from bulkio.adapters.in_process import InProcessJobQueue
from bulkio.domain.errors import Unavailable
from bulkio.ports.queue import JobQueue


class Seen:
    """The job ids a handler received, in order, safe to read from the test thread."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, job_id: str) -> None:
        with self._changed:
            self._ids.append(job_id)
            self._changed.notify_all()

    def wait_for(self, *job_ids: str, timeout: float = 10.0) -> list[str]:
        with self._changed:
            self._changed.wait_for(lambda: set(job_ids) <= set(self._ids), timeout)
            return list(self._ids)


@pytest.fixture(params=["in_process", "dramatiq"])
def queue_and_seen(request: pytest.FixtureRequest) -> Iterator[tuple[JobQueue, Seen]]:
    seen = Seen()
    if request.param == "in_process":
        queue = InProcessJobQueue(seen, concurrency=2)
        queue.start()
        yield queue, seen
        queue.stop(timeout=2)
        return
    namespace = queue_name = f"bulkio-test-{uuid.uuid4().hex[:8]}"
    broker = redis_broker(request.getfixturevalue("redis_url"), namespace=namespace)
    dramatiq.actor(seen, broker=broker, actor_name="run_job", queue_name=queue_name)
    worker = dramatiq.Worker(broker, worker_timeout=100, worker_threads=1)
    worker.start()
    yield DramatiqJobQueue(broker, queue_name=queue_name, actor_name="run_job"), seen
    worker.stop(timeout=5000)
    broker.flush_all()
    # Heartbeats outlive flush_all; leave Redis as the test found it.
    for key in broker.client.scan_iter(f"{namespace}:*"):
        broker.client.delete(key)
    broker.close()


def test_handler_receives_job_id_when_job_is_enqueued(queue_and_seen: tuple[JobQueue, Seen]) -> None:
    queue, seen = queue_and_seen

    queue.enqueue_run("job-1")

    assert seen.wait_for("job-1") == ["job-1"]


def test_every_job_reaches_a_handler_when_several_are_enqueued(
    queue_and_seen: tuple[JobQueue, Seen],
) -> None:
    queue, seen = queue_and_seen

    for number in range(5):
        queue.enqueue_run(f"job-{number}")

    assert sorted(seen.wait_for(*(f"job-{n}" for n in range(5)))) == [f"job-{n}" for n in range(5)]


def test_ping_passes_when_queue_is_up(queue_and_seen: tuple[JobQueue, Seen]) -> None:
    queue, _ = queue_and_seen

    queue.ping()


# Adapter-specific guarantees behind the contract.


def test_in_process_runs_job_once_when_enqueued_twice_before_start() -> None:
    seen = Seen()
    queue = InProcessJobQueue(seen, concurrency=2)

    queue.enqueue_run("job-1")
    queue.enqueue_run("job-1")
    queue.start()

    assert queue.join(timeout=5)
    assert seen.wait_for("job-1", timeout=0) == ["job-1"]
    queue.stop(timeout=2)


def test_in_process_worker_survives_when_handler_raises() -> None:
    seen = Seen()

    def handler(job_id: str) -> None:
        if job_id == "job-bad":
            raise RuntimeError("job exploded")
        seen(job_id)

    queue = InProcessJobQueue(handler, concurrency=1)
    queue.start()

    queue.enqueue_run("job-bad")
    queue.enqueue_run("job-good")

    assert seen.wait_for("job-good", timeout=5) == ["job-good"]
    queue.stop(timeout=2)


def test_in_process_runs_nothing_new_when_stopped() -> None:
    release = threading.Event()
    seen = Seen()

    def handler(job_id: str) -> None:
        seen(job_id)
        release.wait(5)

    queue = InProcessJobQueue(handler, concurrency=1)
    queue.start()
    queue.enqueue_run("job-running")
    seen.wait_for("job-running", timeout=5)
    queue.enqueue_run("job-waiting")

    stopper = threading.Thread(target=queue.stop, kwargs={"timeout": 5})
    stopper.start()
    time.sleep(0.05)
    release.set()
    stopper.join()
    queue.enqueue_run("job-late")

    assert seen.wait_for(timeout=0) == ["job-running"]
    with pytest.raises(Unavailable):
        queue.ping()


def test_dramatiq_is_unavailable_when_redis_is_down() -> None:
    broker = redis_broker("redis://127.0.0.1:1/0", namespace="bulkio-test-down")
    queue = DramatiqJobQueue(broker)

    with pytest.raises(Unavailable):
        queue.ping()
    with pytest.raises(Unavailable):
        queue.enqueue_run("job-1")
    broker.close()


def test_a_worker_that_beat_is_listed_when_stats_are_read(
    queue_and_seen: tuple[JobQueue, Seen],
) -> None:
    queue, _ = queue_and_seen

    queue.beat("worker-a")
    stats = queue.stats()

    [seen] = [w for w in stats.workers if w.name == "worker-a"]
    assert abs((datetime.now(UTC) - seen.last_seen).total_seconds()) < 60
    assert (stats.delayed, stats.dead) == (0, 0)


@pytest.fixture(params=["in_process", "dramatiq"])
def idle_queue(request: pytest.FixtureRequest) -> Iterator[JobQueue]:
    """A queue nobody consumes: what is enqueued stays waiting."""
    if request.param == "in_process":
        yield InProcessJobQueue(Seen(), concurrency=1)
        return
    namespace = f"bulkio-test-{uuid.uuid4().hex[:8]}"
    broker = redis_broker(request.getfixturevalue("redis_url"), namespace=namespace)
    yield DramatiqJobQueue(broker, queue_name=namespace)
    for key in broker.client.scan_iter(f"{namespace}:*"):
        broker.client.delete(key)
    broker.close()


def test_waiting_jobs_are_counted_as_ready_when_no_worker_consumes(idle_queue: JobQueue) -> None:
    assert idle_queue.stats().ready == 0

    idle_queue.enqueue_run("job-1")
    idle_queue.enqueue_run("job-2")

    assert idle_queue.stats().ready == 2


def test_beats_of_workers_gone_for_longer_than_shown_are_dropped_when_a_worker_beats(
    redis_url: str,
) -> None:
    namespace = f"bulkio-test-{uuid.uuid4().hex[:8]}"
    broker = redis_broker(redis_url, namespace=namespace)
    queue, key = DramatiqJobQueue(broker, queue_name=namespace), f"{namespace}:bulkio-workers"
    gone_at = (datetime.now(UTC) - WORKERS_SHOWN_FOR - timedelta(minutes=1)).timestamp() * 1000
    try:
        broker.client.zadd(key, {"worker-gone": gone_at})

        queue.beat("worker-a")

        assert [m.decode() for m in broker.client.zrange(key, 0, -1)] == ["worker-a"]
    finally:
        broker.client.delete(key)
        broker.close()
