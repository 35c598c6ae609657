"""The fenced job update every `JobRepository` shares: read, apply a domain move, save; when
someone else wrote the job in between, read again and retry, a bounded number of times."""

from __future__ import annotations

from typing import Protocol

import stamina

from bulkio.domain.errors import StaleJob
from bulkio.domain.jobs import Job
from bulkio.ports.jobs import JobMove, JobRead

# A job changes at most once per committed batch, so a few quick tries win the race; stamina
# re-raises the last `StaleJob` when they run out (its retries are logged as the process set up
# its logs: `bulkio.entrypoints.logs.route_retries`).
ATTEMPTS = 8
WAIT_INITIAL_S, WAIT_MAX_S, WAIT_JITTER_S = 0.01, 1.0, 0.05


class _Readable(Protocol):
    def get(self, job_id: str, read: JobRead = JobRead.WHOLE) -> Job: ...

    def save(self, job: Job, wait: bool = True, read: JobRead = JobRead.WHOLE) -> None: ...


def writable(read: JobRead) -> JobRead:
    """`read`, if a job read so can be saved: a listing's job has only part of its documents."""
    if read is JobRead.LISTING:
        raise ValueError("a job read for a listing cannot be saved: read it WHOLE or STATE")
    return read


def update_fenced(jobs: _Readable, job_id: str, move: JobMove, wait: bool = True,
                  read: JobRead = JobRead.WHOLE) -> Job | None:
    """`JobRepository.update` on top of the repository's own `get` and fenced `save`, both of
    the parts `read` names (the save refuses a LISTING read, `writable`); `Busy` (the row held by
    another transaction) is not retried here."""
    for attempt in stamina.retry_context(
        on=StaleJob, attempts=ATTEMPTS, timeout=None, wait_initial=WAIT_INITIAL_S,
        wait_max=WAIT_MAX_S, wait_jitter=WAIT_JITTER_S,
    ):
        with attempt:
            job = jobs.get(job_id, read)
            if not move(job):
                return None
            jobs.save(job, wait=wait, read=read)
            return job
    raise AssertionError("unreachable: the last attempt returns or raises")
