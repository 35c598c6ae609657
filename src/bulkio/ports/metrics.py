"""What the use cases count for operators (Prometheus in production, a plain tally in tests)."""

from __future__ import annotations

from typing import Protocol

from bulkio.domain.jobs import Job

# Row outcomes, as counted by `JobMetrics.rows`.
OUTCOMES = ("created", "updated", "skipped", "failed", "exported")


class JobMetrics(Protocol):
    """Counters and timings of jobs, rows, leases, the sweep and webhook deliveries."""

    def job_submitted(self, job: Job) -> None:
        """A new job was saved and sent to the queue."""

    def job_started(self, job: Job) -> None:
        """A worker of this process took the job."""

    def job_stopped(self, job: Job) -> None:
        """This process's worker is done with the job, however it went."""

    def job_ended(self, job: Job, rows_per_second: float) -> None:
        """The job reached a final state (completed, failed or cancelled)."""

    def rows(self, job: Job, outcome: str, count: int) -> None:
        """`count` rows of the job had this outcome (one of `OUTCOMES`)."""

    def batch_written(self, job: Job, seconds: float) -> None:
        """One batch of the job was validated and committed in `seconds`."""

    def lease_renewed(self, held: bool) -> None:
        """A running job renewed its lease (`held`) or found it lost."""

    def stale_job(self, recovered: bool) -> None:
        """The sweep found a job whose worker stopped: recovered, or failed for good."""

    def webhook_delivery(self, outcome: str) -> None:
        """One webhook attempt ended: `delivered`, `retrying` or `failed`."""
