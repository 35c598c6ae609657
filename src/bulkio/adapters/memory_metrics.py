"""Job metrics as a plain tally: the embedded twin of the Prometheus adapter, read by tests."""

from __future__ import annotations

from collections import Counter

from bulkio.domain.jobs import Job


class MemoryJobMetrics:
    """Counts every call by name and labels; `value(name, **labels)` reads a count back."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, frozenset[tuple[str, str]]]] = Counter()

    def _add(self, name: str, amount: float = 1, **labels: str) -> None:
        self.counts[(name, frozenset(labels.items()))] += amount

    def value(self, name: str, **labels: str) -> float:
        """The tally of `name` over every label set that includes `labels`."""
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.counts.items() if n == name and wanted <= ls)

    def job_submitted(self, job: Job) -> None:
        self._add("jobs_submitted", kind=str(job.kind), resource=job.resource)

    def job_started(self, job: Job) -> None:
        self._add("jobs_running", kind=str(job.kind), resource=job.resource)

    def job_stopped(self, job: Job) -> None:
        self._add("jobs_running", -1, kind=str(job.kind), resource=job.resource)

    def job_ended(self, job: Job, rows_per_second: float) -> None:
        self._add("jobs_finished", kind=str(job.kind), resource=job.resource,
                  status=str(job.status))

    def rows(self, job: Job, outcome: str, count: int) -> None:
        self._add("rows", count, kind=str(job.kind), resource=job.resource, outcome=outcome)

    def batch_written(self, job: Job, seconds: float) -> None:
        self._add("batches", kind=str(job.kind), resource=job.resource)

    def lease_renewed(self, held: bool) -> None:
        self._add("lease_renewals", result="held" if held else "lost")

    def stale_job(self, recovered: bool) -> None:
        self._add("stale_jobs", outcome="recovered" if recovered else "failed")

    def webhook_delivery(self, outcome: str) -> None:
        self._add("webhook_deliveries", outcome=outcome)
