"""Who may work on a job right now."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class Lease(Protocol):
    def renew(self) -> bool:
        """Extend the lease; False when it was lost."""


class JobLock(Protocol):
    """A lease on a job id. It only saves work: correctness comes from fencing on version."""

    def hold(self, job_id: str, owner: str) -> AbstractContextManager[Lease | None]:
        """Yield a lease, or None when another owner holds it; release on exit."""
