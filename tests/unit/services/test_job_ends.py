"""A job's end is reported one way, whichever use case ends it: one log line, one count, one
webhook start."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from dependency_injector import providers

from bulkio.adapters.memory_metrics import MemoryJobMetrics
from bulkio.domain.jobs import Job, JobKind, JobStatus
from bulkio.services.observing import UNOBSERVED, JobEnds
from tests.unit.services.conftest import World

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _job(status: JobStatus) -> Job:
    return Job(id="j-1", kind=JobKind.IMPORT, resource="users", format="csv", created_at=T0,
               updated_at=T0, status=status, failure="boom" if status is JobStatus.FAILED else None)


@pytest.mark.parametrize(("status", "level"), [(JobStatus.COMPLETED, logging.INFO),
                                               (JobStatus.FAILED, logging.WARNING)])
def test_an_end_is_logged_counted_and_notified_once(
        status: JobStatus, level: int, caplog: pytest.LogCaptureFixture) -> None:
    metrics, notified = MemoryJobMetrics(), []
    ends = JobEnds(metrics, notified.append)

    with caplog.at_level(logging.INFO, logger="bulkio.jobs"):
        ends(_job(status), T0)

    assert [r.levelno for r in caplog.records] == [level]
    assert caplog.records[0].job_id == "j-1"  # type: ignore[attr-defined]
    assert metrics.value("jobs_finished", status=str(status)) == 1
    assert [j.id for j in notified] == ["j-1"]


def test_without_webhooks_an_end_is_still_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bulkio.jobs"):
        UNOBSERVED(_job(JobStatus.COMPLETED), T0)

    assert len(caplog.records) == 1


def test_a_cancel_through_the_container_is_reported_by_its_job_ends(world: World) -> None:
    container, metrics = world.container, MemoryJobMetrics()
    container.metrics.override(providers.Object(metrics))
    job = container.submitter().import_upload("users", [b"email,name,role\n"], "u.csv").job

    container.job_service().cancel(job.id)

    assert metrics.value("jobs_finished", status="cancelled") == 1
