"""The fenced job update every `JobRepository` shares: read, apply a domain move, save; when
someone else wrote the job in between, read again and retry, a bounded number of times."""

from __future__ import annotations

from typing import Protocol

import stamina
from stamina.instrumentation import (
    LoggingOnRetryHook,
    PrometheusOnRetryHook,
    set_on_retry_hooks,
)

from bulkio.domain.errors import StaleJob
from bulkio.domain.jobs import Job
from bulkio.ports.jobs import JobMove

# A job changes at most once per committed batch, so a few quick tries win the race; stamina
# logs each retry (logger "stamina") and re-raises the last `StaleJob` when they run out.
ATTEMPTS = 8
WAIT_INITIAL_S, WAIT_MAX_S, WAIT_JITTER_S = 0.01, 1.0, 0.05

# With structlog installed stamina would log through it directly; bulkio's one log pipeline
# takes the standard library's records, so retries stay records of the logger "stamina" (and
# are counted as `stamina_retries_total` on /metrics).
set_on_retry_hooks([LoggingOnRetryHook, PrometheusOnRetryHook])


class _Readable(Protocol):
    def get(self, job_id: str) -> Job: ...

    def save(self, job: Job, wait: bool = True) -> None: ...


def update_fenced(jobs: _Readable, job_id: str, move: JobMove, wait: bool = True) -> Job | None:
    """`JobRepository.update` on top of the repository's own `get` and fenced `save`; `Busy`
    (the row held by another transaction) is not retried here."""
    for attempt in stamina.retry_context(
        on=StaleJob, attempts=ATTEMPTS, timeout=None, wait_initial=WAIT_INITIAL_S,
        wait_max=WAIT_MAX_S, wait_jitter=WAIT_JITTER_S,
    ):
        with attempt:
            job = jobs.get(job_id)
            if not move(job):
                return None
            jobs.save(job, wait=wait)
            return job
    raise AssertionError("unreachable: the last attempt returns or raises")
