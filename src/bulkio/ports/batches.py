"""Where an import commits its batches."""

from __future__ import annotations

from typing import Protocol

from bulkio.domain.batches import PlannedBatch
from bulkio.domain.jobs import BatchOutcome, Job


class BatchWriter(Protocol):
    """Commits one planned batch of an import job, all or nothing."""

    def write(self, job: Job, batch: PlannedBatch) -> BatchOutcome:
        """Upsert the batch's writes, append its row errors and save `job` with the batch
        counted (`PlannedBatch.recorded_on`: counters, inline errors, checkpoint) in one
        transaction, fenced on the job's version. Returns the outcome as written: planned
        creates whose key was stored by then count as updates.

        On success `job` is the saved job (version bumped). If anyone else changed the job,
        nothing is written, `job` is left as it was and `StaleJob` raised; `Conflict` if a write
        breaks a key or reference the plan could not foresee."""
