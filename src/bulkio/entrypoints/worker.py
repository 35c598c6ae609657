"""The Dramatiq worker: one actor, `run_job`, that hands a job id to the JobRunner.

The broker is built by the container and set before the actor is declared (an actor declared
earlier would silently bind to a default broker); the actor is declared inside `declare` so that
importing this module builds nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import dramatiq

from bulkio.container import Container

QUEUE = "bulkio"
ACTOR = "run_job"
TIME_LIMIT_MS = 6 * 60 * 60 * 1000  # a 1M-row job on a slow disk; the lease, not this, detects death

log = logging.getLogger("bulkio.worker")


def declare(broker: Any, container: Container) -> Any:
    """Declare the `run_job` actor on `broker`, running jobs through the container's runner."""

    def run_job(job_id: str) -> None:
        container.runner().run(job_id)

    return dramatiq.actor(
        run_job, broker=broker, actor_name=ACTOR, queue_name=QUEUE,
        time_limit=TIME_LIMIT_MS, max_retries=5, min_backoff=1_000, max_backoff=60_000,
    )


def sweep_forever(container: Container, every_s: float, stop: threading.Event) -> None:
    """Recover stale jobs and re-send lost messages until `stop` is set."""
    while not stop.wait(every_s):
        try:
            container.sweeper().sweep()
        except Exception:  # a failed sweep must not end the worker; the next one retries
            log.exception("sweep failed")


def run(container: Container, threads: int, sweep_every_s: float) -> None:
    """Consume jobs until SIGTERM or SIGINT."""
    broker = container.broker()
    if broker is None:
        raise SystemExit("bulkio worker needs REDIS_URL (or REDIS_HOST): the embedded set "
                         "runs its worker inside `bulkio serve` and the Python API")
    dramatiq.set_broker(broker)
    declare(broker, container)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    container.sweeper().sweep()
    sweeper = threading.Thread(target=sweep_forever, args=(container, sweep_every_s, stop),
                               daemon=True, name="bulkio-sweep")
    sweeper.start()
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=200)
    worker.start()
    log.info("worker %s consuming queue %s with %d threads",
             container.settings().jobs.worker_id, QUEUE, threads)
    stop.wait()
    worker.stop()
