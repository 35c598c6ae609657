"""How work reaches workers."""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    """Carries only job ids: the job row is the truth, a lost message is re-sent by the sweep."""

    def enqueue_run(self, job_id: str) -> None:
        """Ask some worker to run this job."""

    def ping(self) -> None:
        """Raise `Unavailable` unless the queue answers."""
