"""One planned batch of an import, ready to commit, and what committing it settled.

A batch is counted when it is planned (`bulkio.domain.upsert.plan_batch`), against the records
it looked up. Between that look-up and the write another job may store a key this batch planned
as new: the write then updates it. `PlannedBatch.settled` is the one place such a create becomes
an update; a batch writer applies it inside the transaction that saves the job's counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from attrs import evolve, field, frozen

from bulkio.domain.jobs import BatchOutcome, Job
from bulkio.domain.resources import Resource
from bulkio.domain.rows import RowError
from bulkio.domain.validation import Record

ErrorWithRow = tuple[RowError, Mapping[str, Any] | None]


@frozen
class PlannedBatch:
    """The writes, row errors and planned outcome of one batch, taken at time `at`.

    `writes` hold only the fields their rows carried (see `bulkio.domain.upsert`); `errors`
    carry the raw row each came from (for the error report); `creates` are the keys planned as
    new. A dry run's batch has no writes: it counts what the import would do."""

    outcome: BatchOutcome
    at: datetime
    writes: tuple[Record, ...] = ()
    errors: tuple[ErrorWithRow, ...] = ()
    creates: frozenset[Any] = field(default=frozenset(), converter=frozenset)

    def settled(self, found: int) -> BatchOutcome:
        """The outcome once `found` of the planned creates turned out stored at write time
        (another job wrote their key after this batch's look-up): they were updates."""
        if not found:
            return self.outcome
        return evolve(self.outcome, created=self.outcome.created - found,
                      updated=self.outcome.updated + found)

    def recorded_on(self, job: Job, found: int) -> Job:
        """A copy of `job` with this batch counted (`Job.record_batch`), settled by `found`;
        `job` itself is left as it is, so a write that rolls back leaves nothing to undo."""
        copy = evolve(job, counters=evolve(job.counters), errors=list(job.errors),
                      warnings=list(job.warnings))
        self._count_on(copy, found)
        return copy

    def committed_on(self, job: Job, found: int) -> BatchOutcome:
        """Bring `job` to what the committed write saved (`recorded_on`, one version on);
        returns the settled outcome."""
        outcome = self._count_on(job, found)
        job.version += 1
        return outcome

    def _count_on(self, job: Job, found: int) -> BatchOutcome:
        outcome = self.settled(found)
        job.record_batch(outcome, [error for error, _ in self.errors], self.at)
        return outcome


def one_per_key(resource: Resource, writes: Iterable[Record]) -> list[Record]:
    """One write per natural key (a repeated key's writes merged, later fields winning), sorted
    by key.

    PostgreSQL refuses to update one row twice in a statement, and a common order makes
    concurrent batches lock rows in the same sequence instead of deadlocking."""
    key = resource.key
    latest: dict[Any, Record] = {}
    for write in writes:
        k = write[key]
        earlier = latest.get(k)
        latest[k] = write if earlier is None else {**earlier, **write}
    return [latest[k] for k in sorted(latest, key=str)]


__all__ = ["ErrorWithRow", "PlannedBatch", "one_per_key"]
