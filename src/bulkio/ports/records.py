"""Where records live."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, Protocol

from bulkio.domain.jobs import Job
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import Resource
from bulkio.domain.rows import RowError
from bulkio.domain.upsert import Stored
from bulkio.domain.validation import Record


class RecordStore(Protocol):
    """Bulk upsert, reference look-up and filtered streaming read of records."""

    def lookup(
        self, resource: Resource, keys: Collection[Any], ids: Collection[str]
    ) -> tuple[Mapping[Any, Stored], Mapping[str, Stored]]:
        """Stored records whose natural key is in `keys` or whose id is in `ids`."""

    def existing_ids(self, resource: Resource, ids: Collection[str]) -> set[str]:
        """Which of these ids exist."""

    def commit_batch(
        self,
        job: Job,
        writes: Sequence[Record],
        errors: Sequence[tuple[RowError, Mapping[str, Any] | None]],
        creates: Collection[Any] = (),
    ) -> int:
        """Upsert `writes`, append `errors` and save `job` in one transaction, fenced on the
        job's version: if anyone else changed the job, nothing is written and `StaleJob` raised.

        `creates` are the keys the batch planned as new. Returns how many of them were found
        stored at write time (a concurrent job wrote them first); the saved counters already
        count those as updates (`Counters.settled`), and the caller settles its copy likewise."""

    def stream(self, query: ExportQuery, batch_size: int = 1000) -> Iterator[Record]:
        """Matching records in key order, read in batches, never all at once."""

    def export(self, query: ExportQuery, fmt: str, batch_size: int = 1000) -> Iterator[tuple[bytes, int]]:
        """The matching records as a file in `fmt` (csv, ndjson or json) with `query.columns`,
        in key order: chunks of about 64 KiB, each with how many records it holds. The bytes are
        exactly what `bulkio.formats.encode` writes for `stream(query)` (with
        `query.keep_formulas`)."""

    def count(self, query: ExportQuery) -> int:
        """How many records match."""
