"""Test doubles shared by several test layers."""

from __future__ import annotations


class RecordingQueue:
    """A queue that only remembers what was sent, so a test decides when jobs run."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def enqueue_run(self, job_id: str) -> None:
        self.sent.append(job_id)

    def ping(self) -> None:
        return None
