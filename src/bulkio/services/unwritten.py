"""What an import job has planned to write that a look-up in the store may not show yet.

An import plans each batch on its read-ahead thread (look-up, then `bulkio.domain.upsert.
plan_batch`) while the batch before it is still being written, so the planner cannot rely on
the store alone: a key written by the batch in flight would look new, and a repeated key would
be counted as created twice. `Unwritten` keeps the records the job's planned writes leave and
lays them over what the store returned, as the store will have them once they commit (`Stored`
with this job as their last writer, which is how a later row of the same key is counted as the
winner of a repeated key, see `bulkio.domain.upsert`).

Bounds: a real import forgets a batch's records as soon as the writer reports it committed, so
it holds at most the few batches in flight (read-ahead depth + 2, 1,000 rows each by default).
A dry run commits nothing: it remembers every key it would have written, keeping only the fields
later planning reads (the id and the fields of cross-field rules), one small tuple per key.

Thread use: `lay_over` and `add` run on the planning thread only; `committed` is called by the
writer thread and only stores an int (atomic in CPython), which `lay_over` reads once, before its
look-up.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from bulkio.domain.resources import Resource
from bulkio.domain.upsert import Stored, as_stored
from bulkio.domain.validation import Record

Found = tuple[Mapping[Any, Stored], Mapping[str, Stored]]  # (by natural key, by id)


def remembered(resource: Resource) -> tuple[str, ...]:
    """What a dry run keeps of each record it would write: enough to plan a later row of the
    same key as the import would (its id, and the fields the rules read), little enough for a
    million keys."""
    return tuple(dict.fromkeys(("id", *(n for r in resource.rules for n in r.reads))))


class Unwritten:
    """The records this job's planned batches leave, until the store shows them.

    `dry_run`: nothing is ever committed, so every key is kept (its `remembered` fields only)
    and ids are not tracked, as before planning ran ahead. `ahead=False`: each batch is planned
    only after the one before it committed (on the writing thread), so a real import has
    nothing to remember."""

    def __init__(self, resource: Resource, job_id: str, dry_run: bool = False,
                 ahead: bool = True) -> None:
        self._resource, self._job_id, self._dry_run = resource, job_id, dry_run
        self._remembers = ahead or dry_run
        self._fields = remembered(resource)  # what a dry run keeps
        # key -> (batch, write, what the write's plan found), merged into the whole record only
        # when a later batch asks for the key; a dry run's: (batch, its `remembered` fields)
        self._by_key: dict[Any, tuple[Any, ...]] = {}
        self._key_of_id: dict[str, tuple[int, Any]] = {}  # id -> (batch, key)
        self._batches: deque[tuple[int, list[Any]]] = deque()  # (batch, keys it wrote)
        self._committed = 0  # batches up to this one are in the store (set by the writer)

    def committed(self, batch: int) -> None:
        """The writer committed batches up to `batch` (numbered from 1): the store shows them."""
        self._committed = batch

    def lay_over(self, look_up: Callable[[], Found], keys: Collection[Any],
                 ids: Collection[str]) -> Found:
        """`look_up()` (the store's records of `keys` and `ids`) with this job's unwritten
        records laid over it. Batches already committed are dropped first, before the look-up
        runs, so a record is taken from the store only once the store surely has it."""
        self._forget(self._committed)
        by_key, by_id = look_up()
        mine = [k for k in keys if k in self._by_key] if self._by_key else []
        owned = [i for i in ids if i in self._key_of_id] if self._key_of_id else []
        if not mine and not owned:
            return by_key, by_id
        by_key, by_id = dict(by_key), dict(by_id)
        for k in mine:
            by_key[k] = self._stored(k, by_key.get(k))
        for i in owned:
            by_id[i] = self._stored(self._key_of_id[i][1], by_id.get(i))
        return by_key, by_id

    def add(self, batch: int, writes: Iterable[Record], found: Mapping[Any, Stored]) -> None:
        """Remember what batch number `batch` writes (`found`: what its plan was made against)."""
        if not self._remembers:
            return
        key, resource, by_key = self._resource.key, self._resource, self._by_key
        if self._dry_run:
            fields = self._fields
            for write in writes:
                k = write[key]
                whole = as_stored(resource, write, found.get(k))
                by_key[k] = (batch, tuple([whole[name] for name in fields]))
            return
        keys, key_of_id = [], self._key_of_id
        for write in writes:  # a planned write always carries its id
            k = write[key]
            by_key[k] = (batch, write, found.get(k))
            key_of_id[write["id"]] = (batch, k)
            keys.append(k)
        self._batches.append((batch, keys))

    def _stored(self, k: Any, found: Stored | None) -> Stored:
        entry = self._by_key[k]
        if self._dry_run:  # only some fields kept: the rest as the store (or the defaults) has them
            record = as_stored(self._resource, dict(zip(self._fields, entry[1])), found)
        else:
            record = as_stored(self._resource, entry[1], entry[2])
        return Stored(record, self._job_id)

    def _forget(self, committed: int) -> None:
        while self._batches and self._batches[0][0] <= committed:
            batch, keys = self._batches.popleft()
            for k in keys:
                entry = self._by_key.get(k)
                if entry is not None and entry[0] == batch:  # not written again since
                    del self._by_key[k]
                    record_id = entry[1]["id"]  # the write's id
                    if self._key_of_id.get(record_id, (None,))[0] == batch:
                        del self._key_of_id[record_id]

    def __len__(self) -> int:
        """How many keys are held (the bound the module docstring states)."""
        return len(self._by_key)


__all__ = ["Found", "Unwritten", "remembered"]
