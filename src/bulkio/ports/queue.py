"""How work reaches workers."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from attrs import frozen

QUEUE_NAME = "bulkio"  # where job messages wait
RUN_JOB = "run_job"  # the actor a message names: it runs the job whose id it carries


@frozen
class WorkerSeen:
    """A worker process and the last time it said it was alive."""

    name: str
    last_seen: datetime


@frozen
class QueueStats:
    """Messages in the queue by state, and the workers that consume it."""

    ready: int = 0  # waiting for a worker
    delayed: int = 0  # waiting out a retry's backoff
    dead: int = 0  # dead-lettered: out of retries
    workers: tuple[WorkerSeen, ...] = ()


class JobQueue(Protocol):
    """Carries only job ids: the job row is the truth, a lost message is re-sent by the sweep."""

    def enqueue_run(self, job_id: str) -> None:
        """Ask some worker to run this job."""

    def ping(self) -> None:
        """Raise `Unavailable` unless the queue answers."""

    def beat(self, worker: str) -> None:
        """Record that the worker named `worker` is alive and consuming (now)."""

    def stats(self) -> QueueStats:
        """Queue depth by state and the workers seen lately (`Unavailable` if it cannot tell)."""
