"""What the use cases tell operators: one log line per job end with its counts and the seed's
metrics, fields passed as `extra` so a structured log pipeline keeps them as keys.

The line never holds row values: only counts, rates, ids and the failure reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from attrs import frozen

from bulkio.domain.jobs import Job, JobStatus
from bulkio.ports.metrics import JobMetrics

log = logging.getLogger("bulkio.jobs")


def job_end_fields(job: Job, now: datetime) -> dict[str, Any]:
    """The job-end line's fields: what the job did and how fast (rows/s, error rate, ms)."""
    c, m = job.counters, job.metrics(now)
    return {
        "job_id": job.id, "kind": str(job.kind), "resource": job.resource,
        "status": str(job.status), "dry_run": job.dry_run, "rows": c.processed,
        "rows_created": c.created, "rows_updated": c.updated, "rows_skipped": c.skipped,
        "rows_failed": c.failed, "rows_exported": c.exported, "bytes": c.bytes,
        "rows_per_second": m.rows_per_second, "error_rate": m.error_rate,
        "duration_ms": m.duration_ms, "attempts": job.attempts, "runs": job.runs,
        "failure_reason": job.failure,
    }


class NoMetrics:
    """Counts nothing: the default of use cases built without a `JobMetrics`."""

    def __getattr__(self, _name: str) -> Any:
        return lambda *_args, **_kwargs: None


NO_METRICS: JobMetrics = NoMetrics()  # type: ignore[assignment]


@frozen
class JobEnds:
    """Where the use cases report a job's end: `metrics` (also used for their other counts) and
    `notify`, which starts the job's webhook (None: no webhooks in this process)."""

    metrics: JobMetrics = NO_METRICS
    notify: Callable[[Job], None] | None = None
    # Ends a split job whose chunks have all ended (`ImportChunks.settle`): the ended job or None.
    settle: Callable[[str, datetime], Job | None] | None = None

    def __call__(self, job: Job, now: datetime) -> None:
        """Write the one line that says how `job` ended at `now` (a failure is a warning), count
        it, and start its webhook. A chunk's end is not a job's: its split job ends, and is
        reported, with its last chunk (`split_job_ends`)."""
        if job.parent_id is not None:
            self.split_job_ends(job.parent_id, now)
            return
        fields = job_end_fields(job, now)
        level = logging.WARNING if job.status is JobStatus.FAILED else logging.INFO
        log.log(level, "%s job %s %s", job.kind, job.id, job.status, extra=fields)
        self.metrics.job_ended(job, fields["rows_per_second"])
        if self.notify is not None:
            self.notify(job)

    def split_job_ends(self, job_id: str, now: datetime) -> None:
        """End and report the split job `job_id` if its chunks have all ended."""
        ended = None if self.settle is None else self.settle(job_id, now)
        if ended is not None and ended.is_terminal:
            self(ended, now)


UNOBSERVED = JobEnds()  # the default of use cases built without metrics or webhooks
