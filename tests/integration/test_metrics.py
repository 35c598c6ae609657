"""Prometheus metrics of `bulkio serve` (`/metrics`) and of a `bulkio worker` (its exporter),
read with prometheus-client's own text parser while an import runs through them."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.cluster import Cluster, eventually, free_port
from tests.integration.files import write_users_csv

pytestmark = pytest.mark.services

ROWS, EVERY_INVALID = 3000, 10


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a metrics page by name and labels."""
    text = httpx.get(url, timeout=5).text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels` (0 when there are none)."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def test_api_and_worker_metrics_count_the_job_and_its_rows_when_an_import_runs(
    cluster: Cluster, tmp_path: Path,
) -> None:
    metrics_port = free_port()
    worker = cluster.worker("worker-1", METRICS_PORT=metrics_port, JOB_BATCH_SIZE=100)
    api = cluster.api("api-1", free_port())
    worker_url, api_url = f"http://127.0.0.1:{metrics_port}/metrics", f"{api.url}/metrics"
    before_api, before_worker = scrape(api_url), scrape(worker_url)
    assert value(before_worker, "bulkio_rows_total") == 0
    assert value(before_worker, "bulkio_queue_depth", state="dead") == 0

    source = write_users_csv(tmp_path / "users.csv", range(ROWS), invalid_every=EVERY_INVALID)
    with source.open("rb") as body:
        created = httpx.post(f"{api.url}/v1/imports", files={"file": ("users.csv", body)},
                             data={"resourceType": "users"})
    assert created.status_code == 201, created.text
    job_url = f"{api.url}/v1/imports/{created.json()['id']}"
    readings = []

    def finished() -> bool:
        readings.append(value(scrape(worker_url), "bulkio_rows_total", resource="users"))
        return httpx.get(job_url).json()["status"] == "completed"

    eventually(finished, 60, "the import to complete", interval=0.05)
    after_api, after_worker = scrape(api_url), scrape(worker_url)

    invalid = len(range(0, ROWS, EVERY_INVALID))
    assert value(after_api, "bulkio_jobs_submitted_total", kind="import", resource="users") == \
        value(before_api, "bulkio_jobs_submitted_total", kind="import", resource="users") + 1
    assert value(after_api, "bulkio_http_requests_total", method="POST") >= 1
    assert value(after_worker, "bulkio_jobs_finished_total", kind="import", resource="users",
                 status="completed") == 1
    assert value(after_worker, "bulkio_rows_total", outcome="created") == ROWS - invalid
    assert value(after_worker, "bulkio_rows_total", outcome="failed") == invalid
    assert value(after_worker, "bulkio_batch_seconds_count", resource="users") == ROWS / 100
    assert value(after_worker, "bulkio_lock_renewals_total", result="held") == ROWS / 100
    assert value(after_worker, "bulkio_job_rows_per_second_count", resource="users") == 1
    assert value(after_worker, "bulkio_jobs_running", resource="users") == 0
    # Read while it ran: the row counter only ever grew, up to every row of the file.
    assert readings == sorted(readings) and readings[-1] <= ROWS
    assert value(after_worker, "bulkio_rows_total", resource="users") == ROWS
    assert value(after_worker, "bulkio_worker_last_seen_seconds", worker="worker-1") > 0
    assert value(after_api, "bulkio_worker_last_seen_seconds", worker="worker-1") > 0
    assert worker.alive()
