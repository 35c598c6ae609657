"""JobMetrics contract: each call moves its own series, by job kind, resource and outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY

from bulkio.adapters.memory_metrics import MemoryJobMetrics
from bulkio.adapters.prometheus_metrics import PrometheusJobMetrics
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.ports.metrics import JobMetrics

NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The series each adapter keeps for a port call: (memory name, Prometheus sample name).
SERIES = {
    "submitted": ("jobs_submitted", "bulkio_jobs_submitted_total"),
    "finished": ("jobs_finished", "bulkio_jobs_finished_total"),
    "running": ("jobs_running", "bulkio_jobs_running"),
    "rows": ("rows", "bulkio_rows_total"),
    "batches": ("batches", "bulkio_batch_seconds_count"),
    "leases": ("lease_renewals", "bulkio_lock_renewals_total"),
    "stale": ("stale_jobs", "bulkio_stale_recoveries_total"),
    "webhooks": ("webhook_deliveries", "bulkio_webhook_deliveries_total"),
}
Reader = Callable[..., float]


@pytest.fixture(params=["memory", "prometheus"])
def metrics(request: pytest.FixtureRequest) -> tuple[JobMetrics, Reader]:
    if request.param == "memory":
        memory = MemoryJobMetrics()
        return memory, lambda series, **labels: memory.value(SERIES[series][0], **labels)

    def read(series: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(SERIES[series][1], labels) or 0.0

    return PrometheusJobMetrics(), read


def job(resource: str) -> Job:
    return Job(id="j", kind=JobKind.IMPORT, resource=resource, format="csv", created_at=NOW,
               updated_at=NOW)


def test_every_call_moves_its_series_when_a_job_runs(metrics: tuple[JobMetrics, Reader]) -> None:
    port, read = metrics
    resource = f"r{id(port)}"  # a label set no other test has touched
    one = job(resource)
    kind = {"kind": "import", "resource": resource}

    port.job_submitted(one)
    port.job_started(one)
    port.rows(one, "created", 7)
    port.rows(one, "failed", 2)
    port.batch_written(one, 0.2)
    one.status = JobStatus.COMPLETED
    port.job_ended(one, 450.0)
    running_before_stop = read("running", **kind)
    port.job_stopped(one)

    assert read("submitted", **kind) == 1
    assert (running_before_stop, read("running", **kind)) == (1, 0)
    assert read("rows", outcome="created", **kind) == 7
    assert read("rows", outcome="failed", **kind) == 2
    assert read("batches", **kind) == 1
    assert read("finished", status="completed", **kind) == 1


def test_leases_sweeps_and_webhooks_are_counted_by_outcome(
    metrics: tuple[JobMetrics, Reader],
) -> None:
    port, read = metrics
    held, lost = read("leases", result="held"), read("leases", result="lost")
    recovered, failed = read("stale", outcome="recovered"), read("stale", outcome="failed")
    retrying = read("webhooks", outcome="retrying")

    port.lease_renewed(True)
    port.lease_renewed(False)
    port.stale_job(True)
    port.stale_job(False)
    port.webhook_delivery("retrying")

    assert (read("leases", result="held"), read("leases", result="lost")) == (held + 1, lost + 1)
    assert (read("stale", outcome="recovered"), read("stale", outcome="failed")) == (
        recovered + 1, failed + 1)
    assert read("webhooks", outcome="retrying") == retrying + 1
