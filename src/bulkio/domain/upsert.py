"""Upsert policy: what one batch of valid records does to what is already stored.

- A record holds only the fields its row carries. An update changes those fields and leaves
  every other one as stored; a create gives the others their defaults (`Resource.defaults`).
  A write is such a partial record plus its id: stores insert it over the defaults and, on a
  key that exists, set only the fields it holds.
- Rules across fields are checked on the record as it would be stored (the stored record, or
  the defaults, overlaid with what the row carries).
- A key repeated inside one file: its rows apply in order, each field taking the value of the
  last row that carries it; the earlier rows count as skipped (inside a batch by merging;
  across batches because the stored record was last written by this same job).
- A record whose carried fields all equal the stored ones is skipped and not written.
- An `id` that already belongs to another key (or a key that already has another id) is a row
  error, never a silent overwrite.
Writes come out sorted by key so that concurrent jobs lock rows in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from attrs import frozen

from bulkio.domain.resources import Resource
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.domain.validation import Checked, Record, given_value


@frozen
class Stored:
    """An existing record as the store has it, and the job that last wrote it."""

    record: Mapping[str, Any]
    last_job: str | None = None


@frozen
class BatchPlan:
    """The writes of one batch and how each valid row is counted."""

    writes: tuple[Record, ...]
    created: int
    updated: int
    skipped: int
    errors: tuple[RowError, ...]
    creates: frozenset[Any] = frozenset()  # keys planned as new: the store says which were not


def keys_of(resource: Resource, rows: Iterable[Checked]) -> tuple[set[Any], set[str]]:
    """The natural keys and the explicit ids a batch asks about."""
    keys, ids = set(), set()
    for row in rows:
        assert row.record is not None
        if row.record.get(resource.key) is not None:
            keys.add(row.record[resource.key])
        if row.record.get("id") is not None:
            ids.add(row.record["id"])
    return keys, ids


def plan_batch(
    resource: Resource,
    rows: Sequence[Checked],
    by_key: Mapping[Any, Stored],
    by_id: Mapping[str, Stored],
    job_id: str,
    new_id: Callable[[], str],
) -> BatchPlan:
    """Decide create, update, skip or error for each valid row of one batch."""
    key = resource.key
    latest: dict[Any, tuple[int, Record]] = {}  # key -> (row number, merged record)
    skipped = 0
    errors: list[RowError] = []
    for row in rows:
        assert row.record is not None
        record = row.record
        if key == "id" and record.get("id") is None:
            record = {**record, "id": new_id()}
        k = record[key]
        earlier = latest.get(k)
        if earlier is not None:
            record = {**earlier[1], **record}
        broken = (resource.broken_rule(as_stored(resource, record, by_key.get(k)))
                  if resource.rules else None)  # users and comments have none: no merge
        if broken is not None:
            field, code, message = broken
            errors.append(RowError(row.number, field, code, message,
                                   given_value(resource, row.raw, field)))
            continue
        if earlier is not None:
            skipped += 1
        latest[k] = (row.number, record)

    writes: list[Record] = []
    created = updated = 0
    claimed_ids: dict[str, Any] = {}
    creates: set[Any] = set()
    for k, (number, record) in sorted(latest.items(), key=lambda item: item[1][0]):
        existing = by_key.get(k)
        given_id = record.get("id")
        conflict = _id_conflict(resource, k, given_id, existing, by_id, claimed_ids)
        if conflict:
            errors.append(RowError(number, "id", ErrorCode.UNIQUE_VIOLATION, conflict, given_id))
            continue
        if given_id is None:  # a copy: the row's own record stays as validated
            record = {**record, "id": existing.record["id"] if existing else new_id()}
        claimed_ids[record["id"]] = k
        if existing is None:
            created += 1
            creates.add(k)
            writes.append(record)
        elif existing.last_job == job_id:
            skipped += 1  # the same key earlier in this file: that row lost, this one wins
            if not _same(record, existing.record):
                writes.append(record)
        elif _same(record, existing.record):
            skipped += 1
        else:
            updated += 1
            writes.append(record)
    writes.sort(key=lambda record: str(record[key]))
    return BatchPlan(tuple(writes), created, updated, skipped, tuple(errors), frozenset(creates))


def _id_conflict(
    resource: Resource,
    k: Any,
    given_id: str | None,
    existing: Stored | None,
    by_id: Mapping[str, Stored],
    claimed_ids: Mapping[str, Any],
) -> str | None:
    if given_id is None or resource.key == "id":
        return None
    if existing is not None and existing.record["id"] != given_id:
        return f"{resource.key} {k!r} already belongs to id {existing.record['id']}"
    owner = by_id.get(given_id)
    if owner is not None and owner.record[resource.key] != k:
        return f"id {given_id} already belongs to {resource.key} {owner.record[resource.key]!r}"
    if claimed_ids.get(given_id, k) != k:
        return f"id {given_id} is used by another row of this batch"
    return None


def as_stored(resource: Resource, record: Mapping[str, Any], stored: Stored | None) -> Record:
    """The whole record a write would leave: the stored one (or the defaults) overlaid with it."""
    return {**(resource.defaults if stored is None else stored.record), **record}


def _same(record: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    return all(value == stored.get(name) for name, value in record.items())


def check_references(
    resource: Resource, rows: Sequence[Checked], found: Mapping[str, set[str]]
) -> tuple[list[Checked], list[RowError]]:
    """Split rows into those whose references all exist and errors for the others."""
    ok: list[Checked] = []
    errors: list[RowError] = []
    for row in rows:
        assert row.record is not None
        missing = [
            RowError(
                row.number, ref.field, ErrorCode.REFERENCE_NOT_FOUND,
                f"{ref.field} must reference an existing {ref.resource[:-1]}", row.record[ref.field],
            )
            for ref in resource.references
            if ref.field in row.record and row.record[ref.field] not in found.get(ref.field, set())
        ]
        if missing:
            errors.extend(missing)
        else:
            ok.append(row)
    return ok, errors
