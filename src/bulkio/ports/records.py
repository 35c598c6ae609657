"""Where records live."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol

from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import Resource
from bulkio.domain.upsert import Stored
from bulkio.domain.validation import Record


class RecordStore(Protocol):
    """Reference look-up and filtered streaming read of records (a `BatchWriter` writes them).

    `reads_while_writing`: whether key reads on another thread stay cheap while a batch is
    being written; an import then plans each batch on its read-ahead thread, else on the
    writing thread, right before the write."""

    reads_while_writing: bool

    def lookup(
        self, resource: Resource, keys: Collection[Any], ids: Collection[str]
    ) -> tuple[Mapping[Any, Stored], Mapping[str, Stored]]:
        """Stored records whose natural key is in `keys` or whose id is in `ids`."""

    def existing_ids(self, resource: Resource, ids: Collection[str]) -> set[str]:
        """Which of these ids exist."""

    def held(self) -> AbstractContextManager[RecordStore]:
        """This store for one thread's many key reads (`lookup`, `existing_ids`), such as an
        import's planning thread: a back end may keep one connection for them until the block
        ends. Same records; the store it gives is never shared between threads."""

    def stream(self, query: ExportQuery, batch_size: int = 1000) -> Iterator[Record]:
        """Matching records in key order, read in batches, never all at once."""

    def export(self, query: ExportQuery, fmt: str, batch_size: int = 1000) -> Iterator[tuple[bytes, int]]:
        """The matching records as a file in `fmt` (csv, ndjson or json) with `query.columns`,
        in key order: chunks of about 64 KiB, each with how many records it holds. The bytes are
        exactly what `bulkio.formats.encode` writes for `stream(query)` (with
        `query.keep_formulas`)."""

    def count(self, query: ExportQuery) -> int:
        """How many records match."""
