"""Job metrics with prometheus-client, on the process's default registry (which Litestar's
`/metrics` and the worker's exporter both serve).

The metric objects exist once per process (prometheus-client refuses a name twice), so every
`PrometheusJobMetrics` of a process adds to the same series. The queue's depth and workers are
read when scraped, from the queue the process's entrypoint chose to `watch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bulkio.domain.errors import Unavailable
from bulkio.domain.jobs import Job
from bulkio.ports.queue import QueueStats

log = logging.getLogger(__name__)
JOB = ("kind", "resource")

SUBMITTED = Counter("bulkio_jobs_submitted", "Jobs created and sent to the queue", JOB)
FINISHED = Counter("bulkio_jobs_finished", "Jobs that reached a final state",
                   (*JOB, "status"))
RUNNING = Gauge("bulkio_jobs_running", "Jobs this process is running now", JOB)
ROWS = Counter("bulkio_rows", "Rows by outcome: created, updated, skipped, failed, exported",
               (*JOB, "outcome"))
BATCH_SECONDS = Histogram("bulkio_batch_seconds", "Time to validate and commit one batch", JOB,
                          buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
ROWS_PER_SECOND = Histogram(
    "bulkio_job_rows_per_second", "Rows per second of each finished job", JOB,
    buckets=(10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000))
LEASE_RENEWALS = Counter("bulkio_lock_renewals", "Job lease renewals: held, or lost",
                         ("result",))
STALE_JOBS = Counter("bulkio_stale_recoveries", "Stale jobs the sweep found: recovered or failed",
                     ("outcome",))
WEBHOOKS = Counter("bulkio_webhook_deliveries", "Webhook attempts: delivered, retrying, failed",
                   ("outcome",))


class _QueueCollector(Collector):
    """Reads the watched queue's stats at each scrape."""

    def __init__(self) -> None:
        self.stats: Callable[[], QueueStats] | None = None

    def describe(self) -> list[Any]:
        return []  # nothing to check at registration: the series exist only once watched

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.stats is None:
            return
        try:
            stats = self.stats()
        except Unavailable as err:
            log.warning("queue metrics unavailable: %s", err)
            return
        depth = GaugeMetricFamily("bulkio_queue_depth", "Queue messages by state", labels=["state"])
        for state in ("ready", "delayed", "dead"):
            depth.add_metric([state], getattr(stats, state))
        beats = GaugeMetricFamily("bulkio_worker_last_seen_seconds",
                                  "Unix time of each worker's last heartbeat", labels=["worker"])
        for worker in stats.workers:
            beats.add_metric([worker.name], worker.last_seen.timestamp())
        yield depth
        yield beats


_QUEUE = _QueueCollector()
REGISTRY.register(_QUEUE)


class PrometheusJobMetrics:
    """The `JobMetrics` port on prometheus-client's counters, gauges and histograms."""

    def watch(self, stats: Callable[[], QueueStats]) -> None:
        """Export the depth and workers of this queue (the process's own) at each scrape."""
        _QUEUE.stats = stats

    def expose(self, port: int, host: str = "0.0.0.0") -> Callable[[], None]:
        """Serve `/metrics` on `host:port` from a daemon thread; returns its stop function."""
        server, thread = start_http_server(port, addr=host)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(5)

        return stop

    def job_submitted(self, job: Job) -> None:
        SUBMITTED.labels(job.kind, job.resource).inc()

    def job_started(self, job: Job) -> None:
        RUNNING.labels(job.kind, job.resource).inc()

    def job_stopped(self, job: Job) -> None:
        RUNNING.labels(job.kind, job.resource).dec()

    def job_ended(self, job: Job, rows_per_second: float) -> None:
        FINISHED.labels(job.kind, job.resource, job.status).inc()
        if rows_per_second > 0:
            ROWS_PER_SECOND.labels(job.kind, job.resource).observe(rows_per_second)

    def rows(self, job: Job, outcome: str, count: int) -> None:
        if count:
            ROWS.labels(job.kind, job.resource, outcome).inc(count)

    def batch_written(self, job: Job, seconds: float) -> None:
        BATCH_SECONDS.labels(job.kind, job.resource).observe(seconds)

    def lease_renewed(self, held: bool) -> None:
        LEASE_RENEWALS.labels("held" if held else "lost").inc()

    def stale_job(self, recovered: bool) -> None:
        STALE_JOBS.labels("recovered" if recovered else "failed").inc()

    def webhook_delivery(self, outcome: str) -> None:
        WEBHOOKS.labels(outcome).inc()


__all__ = ["PrometheusJobMetrics"]
