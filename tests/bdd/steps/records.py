"""Records already stored, and what the store holds afterwards (read back through an export)."""

from __future__ import annotations

import io
from pathlib import Path

import bulkio
from attrs import evolve
from bulkio.api import Bulkio
from bulkio.config import Settings
from bulkio.domain.jobs import JobStatus
from pytest_bdd import given, parsers, then

from .tables import encode_table, expected, projected

TIMEOUT = 30


@given(parsers.parse("these {resource} exist:"))
def _(bio: Bulkio, resource: str, datatable: list[list[str]], known_ids: dict[str, str]) -> None:
    data = io.BytesIO(encode_table(datatable, "csv"))
    job = bio.wait(bio.import_file(data, resource=resource, format="csv").id, timeout=TIMEOUT)
    assert job.status is JobStatus.COMPLETED, job.failure
    assert job.counters.failed == 0, job.errors
    header = datatable[0]
    if "id" in header and len(datatable) > 1:
        role = {"users": "author", "articles": "article", "comments": "comment"}[resource]
        known_ids.setdefault(role, datatable[1][header.index("id")])


@given(parsers.parse("import jobs read {size:d} rows per batch"), target_fixture="bio")
def _(bio: Bulkio, tmp_path: Path, request, size: int) -> Bulkio:  # noqa: ANN001 - pytest's request
    settings = Settings(data_dir=tmp_path / f"data-batches-of-{size}")
    handle = bulkio.open(evolve(settings, jobs=evolve(settings.jobs, batch_size=size)))
    request.addfinalizer(handle.close)
    return handle


@then(parsers.parse("the {resource} records are:"))
def _(bio: Bulkio, resource: str, datatable: list[list[str]]) -> None:
    columns, rows = expected(datatable)
    assert projected(bio.export(resource), columns) == rows


@then(parsers.parse("{count:d} {resource} records are stored"))
def _(bio: Bulkio, count: int, resource: str) -> None:
    assert len(list(bio.export(resource))) == count


@then(parsers.parse("no {resource} records are stored"))
def _(bio: Bulkio, resource: str) -> None:
    assert list(bio.export(resource)) == []


@then(parsers.parse("every {resource} record has an id"))
def _(bio: Bulkio, resource: str) -> None:
    import uuid

    ids = [r["id"] for r in bio.export(resource)]
    assert ids and all(str(uuid.UUID(i)) == i for i in ids)
    assert len(set(ids)) == len(ids)


@then(parsers.parse('the {resource} record "{key}" has the id "{id}"'))
def _(bio: Bulkio, resource: str, key: str, id: str) -> None:
    field = {"users": "email", "articles": "slug", "comments": "id"}[resource]
    (record,) = [r for r in bio.export(resource) if r[field] == key]
    assert record["id"] == id
