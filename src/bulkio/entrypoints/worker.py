"""The Dramatiq worker: one actor, `run_job`, that hands a job id to the JobRunner.

The broker is built by the container and set before the actor is declared (an actor declared
earlier would silently bind to a default broker); the actor is declared inside `declare` so that
importing this module builds nothing.

Dramatiq's options, chosen on purpose:
- `time_limit` 6 h: a 1M-row import outlives Dramatiq's 10-minute default; a dead worker is
  found by its lapsed lease (JOB_STALE_LOCK_THRESHOLD_MS), not by this limit.
- no `max_age`: it counts from the first enqueue, so a recovered job's message would be dropped.
- retries with backoff, for `Unavailable` only (`retry_when`): the runner raises it when a job
  should be tried again later (a dependency away before the claim, a hand-over, a suspect job
  that must wait for an idle worker). Other errors are not retried: the runner has recorded
  them on the job. A redelivery after a crash is not a retry: the attempt limit lives in the
  database (JOB_MAX_ATTEMPTS), and the optimistic claim drops duplicate messages. An outage
  during a run is waited out by the runner itself, which keeps the job.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import dramatiq

from bulkio.container import Container
from bulkio.entrypoints.worker_health import serve_health
from bulkio.ports.queue import QUEUE_NAME, RUN_JOB
from bulkio.services.maintenance import Maintenance
from bulkio.domain.errors import Unavailable

QUEUE, ACTOR = QUEUE_NAME, RUN_JOB  # the names the queue adapter sends to
TIME_LIMIT_MS = 6 * 60 * 60 * 1000
MAX_RETRIES = 30  # at the 60 s cap, about half an hour; the sweep re-sends after that
MIN_BACKOFF_MS, MAX_BACKOFF_MS = 1_000, 60_000
IDLE_POLL_MS = 200  # how long a consumer blocks on an empty queue: also the stop latency
BEAT_EVERY_S = 5.0  # how often a worker records that it is alive (the dashboard's queue view)

log = logging.getLogger("bulkio.worker")


def retry_when(retries: int, exception: BaseException) -> bool:
    """Dramatiq's retry rule: retry what may pass (`Unavailable`), a bounded number of times."""
    return isinstance(exception, Unavailable) and retries < MAX_RETRIES


def declare(broker: Any, container: Container) -> Any:
    """Declare the `run_job` actor on `broker`, running jobs through the container's runner."""

    def run_job(job_id: str) -> None:
        container.runner().run(job_id)

    return dramatiq.actor(
        run_job, broker=broker, actor_name=ACTOR, queue_name=QUEUE, time_limit=TIME_LIMIT_MS,
        retry_when=retry_when, min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS,
    )


def beat_forever(container: Container, stop: threading.Event) -> None:
    """Record this worker's heartbeat on the queue now and every BEAT_EVERY_S until `stop`."""
    name = container.settings().jobs.worker_id
    while True:
        try:
            container.queue().beat(name)
        except Exception as err:  # the queue may blink; the next beat retries
            log.warning("cannot record the heartbeat of %s: %s", name, err)
        if stop.wait(BEAT_EVERY_S):
            return


class JobWorker:
    """Dramatiq worker threads and the maintenance thread of one process, started and stopped."""

    def __init__(self, container: Container, threads: int,
                 idle_poll_ms: int = IDLE_POLL_MS) -> None:
        self._container, self._threads = container, threads
        self._idle_poll_ms = idle_poll_ms
        self._maintenance: Maintenance | None = None
        self._stop = threading.Event()
        self._beating: threading.Thread | None = None
        self._worker: dramatiq.Worker | None = None

    def start(self) -> None:
        """Start the maintenance (a pass at once, then every JOB_SWEEP_INTERVAL_MS) and consume
        the queue."""
        broker = self._container.broker()
        if broker is None:
            raise RuntimeError("bulkio worker needs REDIS_URL (or REDIS_HOST): the embedded set "
                               "runs its worker inside `bulkio serve` and the Python API")
        dramatiq.set_broker(broker)
        declare(broker, self._container)
        self._maintenance = self._container.maintenance()
        self._maintenance.start()
        self._beating = threading.Thread(target=beat_forever, args=(self._container, self._stop),
                                         daemon=True, name="bulkio-heartbeat")
        self._beating.start()
        self._worker = dramatiq.Worker(broker, worker_threads=self._threads,
                                       worker_timeout=self._idle_poll_ms)
        # One message per job thread, never more: Dramatiq fetches twice as many by default,
        # and a busy worker would hold a job (a chunk of a split import) that an idle worker
        # could run, for as long as its jobs take.
        self._worker.queue_prefetch = self._threads
        self._worker.start()
        log.info("worker %s consuming queue %s with %d threads",
                 self._container.settings().jobs.worker_id, QUEUE, self._threads)

    def alive(self) -> bool:
        """Its consumer and worker threads all run (False before `start` and after `stop`)."""
        worker = self._worker
        if worker is None or self._maintenance is None:
            return False
        threads = [*worker.workers, *worker.consumers.values()]
        return bool(threads) and all(thread.is_alive() for thread in threads)

    def stop(self, timeout_s: float = 600.0) -> None:
        """Stop consuming and maintaining; jobs in flight stop after their current batch and go
        back to pending (Dramatiq retries their message elsewhere); wait up to `timeout_s`."""
        if self._maintenance is not None:
            self._maintenance.stop(timeout_s)
        self._container.runner().stop()
        self._container.webhooks().stop()
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout_s * 1000))
        self._stop.set()
        if self._beating is not None:
            self._beating.join(timeout=timeout_s)
        log.info("worker %s stopped", self._container.settings().jobs.worker_id)


def run(container: Container, threads: int, metrics_port: int = 0,
        health: tuple[str, int] | None = None) -> None:
    """Consume jobs until SIGTERM or SIGINT; with `metrics_port`, export Prometheus metrics
    (jobs, rows, batches, leases, the queue) on that port at `/metrics`; with `health`
    (host, port), answer health checks there (`worker_health.py`)."""
    stop = threading.Event()
    stop_metrics = None
    if metrics_port:
        metrics = container.metrics()
        metrics.watch(container.queue().stats)
        try:
            stop_metrics = metrics.expose(metrics_port)
            log.info("worker metrics on port %d", metrics_port, extra={"metrics_port": metrics_port})
        except OSError as err:  # a second worker on the host: it runs, without an exporter
            log.warning("no metrics exporter: port %d: %s", metrics_port, err)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = JobWorker(container, threads)
    try:
        worker.start()
    except RuntimeError as err:
        raise SystemExit(str(err)) from err
    server = serve_health(*health, worker.alive, container) if health else None
    while not stop.wait(1.0):  # a timed wait keeps the main thread responsive to signals
        pass
    if server is not None:
        server.shutdown()
    worker.stop()
    if stop_metrics is not None:
        stop_metrics()
