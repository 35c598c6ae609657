"""Records already stored, and what the store holds afterwards (read back through an export)."""

from __future__ import annotations

import io
import uuid

from bulkio.api import Bulkio
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


@given(parsers.parse("import jobs split files larger than {size:d} bytes into chunk jobs"),
       target_fixture="bio")
def _(open_bulkio, size: int) -> Bulkio:  # noqa: ANN001 - the conftest's factory
    return open_bulkio(JOB_CHUNK_BYTES=size)


@given(parsers.parse("import jobs read {size:d} rows per batch"), target_fixture="bio")
def _(open_bulkio, size: int) -> Bulkio:  # noqa: ANN001 - the conftest's factory
    return open_bulkio(JOB_BATCH_SIZE=size)


@given(parsers.parse("import jobs allow values of at most {size:d} characters"), target_fixture="bio")
def _(open_bulkio, size: int) -> Bulkio:  # noqa: ANN001 - the conftest's factory
    return open_bulkio(BULKIO_MAX_VALUE_CHARS=size)


NOUN = "(?P<noun>users?|articles?|comments?)"
KEYS = {"users": "email", "articles": "slug", "comments": "id"}


def plural(noun: str) -> str:
    return noun if noun.endswith("s") else noun + "s"


@then(parsers.re(rf"the stored {NOUN} are:"))
def _(bio: Bulkio, noun: str, datatable: list[list[str]]) -> None:
    columns, rows = expected(datatable)
    assert projected(bio.export(plural(noun)), columns) == rows


@then(parsers.re(rf"the stored {NOUN} include:"))
def _(bio: Bulkio, noun: str, datatable: list[list[str]]) -> None:
    columns, rows = expected(datatable)
    key = KEYS[plural(noun)]
    wanted = {row[key] for row in rows}
    stored = [r for r in bio.export(plural(noun)) if r[key] in wanted]
    assert projected(stored, columns) == rows


@then(parsers.re(rf"(?P<count>\d+) {NOUN} (is|are) stored"))
def _(bio: Bulkio, count: str, noun: str) -> None:
    assert len(list(bio.export(plural(noun)))) == int(count)


@then(parsers.re(rf"no {NOUN} (is|are) stored"))
def _(bio: Bulkio, noun: str) -> None:
    assert list(bio.export(plural(noun))) == []


@then(parsers.re(rf"every stored {NOUN} has its own id"))
def _(bio: Bulkio, noun: str) -> None:
    ids = [r["id"] for r in bio.export(plural(noun))]
    assert ids and all(str(uuid.UUID(i)) == i for i in ids)
    assert len(set(ids)) == len(ids)


@then(parsers.re(rf'the stored {NOUN} "(?P<key>[^"]+)" has the id "(?P<id>[^"]+)"'))
def _(bio: Bulkio, noun: str, key: str, id: str) -> None:
    resource = plural(noun)
    (record,) = [r for r in bio.export(resource) if r[KEYS[resource]] == key]
    assert record["id"] == id
