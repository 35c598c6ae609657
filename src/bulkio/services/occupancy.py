"""Which jobs this process runs at the moment, so that a suspect job can run alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Occupancy:
    """The jobs one process is running, and whether one of them has the process to itself.

    A suspect job (one that was running when a worker died) is admitted only into an idle
    process, and while it runs nothing else is admitted: if the process dies then, the crash
    is that job's. Thread-safe; one per process (the runner's).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running: set[str] = set()
        self._alone: str | None = None

    @contextmanager
    def enter(self, job_id: str, alone: bool) -> Iterator[bool]:
        """Yield whether the job may run here now; it counts as running until the block ends."""
        with self._guard:
            admitted = self._alone is None and (not alone or not self._running)
            if admitted:
                self._running.add(job_id)
                if alone:
                    self._alone = job_id
        try:
            yield admitted
        finally:
            if admitted:
                with self._guard:
                    self._running.discard(job_id)
                    if self._alone == job_id:
                        self._alone = None

    def running(self) -> frozenset[str]:
        """The ids of the jobs running in this process."""
        with self._guard:
            return frozenset(self._running)
