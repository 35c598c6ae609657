"""Exports: all records, filtered, chosen fields; to a file in csv, ndjson or json."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from bulkio.api import Bulkio
from bulkio.domain.errors import BulkioError, NotFound
from bulkio.domain.jobs import Job, JobStatus
from pytest_bdd import given, parsers, then, when

from .tables import columns_of, decode_file, expected, projected, rows_of

RESOURCE = "(?P<resource>users|articles|comments)"
FORMAT = "(?P<fmt>csv|ndjson|json)"


def _export(bio: Bulkio, resource: str, fmt: str, filters: dict[str, str] | None = None,
            fields: list[str] | None = None) -> dict[str, Any]:
    out = io.BytesIO()
    written = bio.export_to(out, resource, fmt, filters, fields)
    data = out.getvalue()
    assert written == len(data)
    return {"format": fmt, "data": data}


def _fields(text: str) -> list[str]:
    return [f.strip() for f in text.split(",")]


@when(parsers.re(rf"I export {RESOURCE} as {FORMAT}"), target_fixture="exported")
def _(bio: Bulkio, resource: str, fmt: str) -> dict[str, Any]:
    return _export(bio, resource, fmt)


@when(parsers.re(rf"I export {RESOURCE} as {FORMAT} where:"), target_fixture="exported")
def _(bio: Bulkio, resource: str, fmt: str, datatable: list[list[str]]) -> dict[str, Any]:
    filters = {row["filter"]: row["value"] for row in rows_of(datatable)}
    return _export(bio, resource, fmt, filters)


@when(parsers.re(rf'I export {RESOURCE} as {FORMAT} with the fields "(?P<fields>[^"]+)"'),
      target_fixture="exported")
def _(bio: Bulkio, resource: str, fmt: str, fields: str) -> dict[str, Any]:
    return _export(bio, resource, fmt, fields=_fields(fields))


@when(parsers.re(rf'I export {RESOURCE} as {FORMAT} into "(?P<name>[^"]+)"'), target_fixture="exported")
def _(bio: Bulkio, files: dict[str, Path], files_dir: Path, resource: str, fmt: str,
      name: str) -> dict[str, Any]:
    path = files_dir / name
    written = bio.export_to(path, resource, fmt)
    assert written == path.stat().st_size
    files[name] = path
    return {"format": fmt, "data": path.read_bytes()}


@when(parsers.re(rf'I export {RESOURCE} as {FORMAT} with the fields "(?P<fields>[^"]+)" '
                 r'into "(?P<name>[^"]+)"'), target_fixture="exported")
def _(bio: Bulkio, files: dict[str, Path], files_dir: Path, resource: str, fmt: str,
      fields: str, name: str) -> dict[str, Any]:
    path = files_dir / name
    assert bio.export_to(path, resource, fmt, fields=_fields(fields)) == path.stat().st_size
    files[name] = path
    return {"format": fmt, "data": path.read_bytes()}


@when(parsers.re(rf'I try to export {RESOURCE} with the (?P<what>filter|field) "(?P<name>[^"]+)"'),
      target_fixture="refusal")
def _(bio: Bulkio, resource: str, what: str, name: str) -> BulkioError:
    try:
        if what == "filter":
            bio.export_to(io.BytesIO(), resource, "csv", filters={name.split("=")[0]: name.split("=")[-1]})
        else:
            bio.export_to(io.BytesIO(), resource, "csv", fields=[name])
    except BulkioError as err:
        return err
    raise AssertionError("the export was accepted")


@then("the exported file holds:")
def _(exported: dict[str, Any], datatable: list[list[str]]) -> None:
    columns, rows = expected(datatable)
    assert projected(decode_file(exported["data"], exported["format"]), columns) == rows


@then(parsers.parse("the exported file holds {count:d} records"))
def _(exported: dict[str, Any], count: int) -> None:
    assert len(decode_file(exported["data"], exported["format"])) == count


@then(parsers.parse('the exported file has the columns "{columns}"'))
def _(exported: dict[str, Any], columns: str) -> None:
    assert columns_of(exported["data"], exported["format"]) == _fields(columns)


@then("the exported file is empty of records")
def _(exported: dict[str, Any]) -> None:
    assert decode_file(exported["data"], exported["format"]) == []


@then(parsers.re('the exported emails are "(?P<emails>[^"]*)"'))
def _(exported: dict[str, Any], emails: str) -> None:
    got = sorted(r["email"] for r in decode_file(exported["data"], exported["format"]))
    assert got == sorted(_fields(emails) if emails else [])


@given(parsers.parse("bulkio keeps export files for {ms:d} millisecond"), target_fixture="bio")
def _(open_bulkio, ms: int) -> Bulkio:  # noqa: ANN001 - the conftest's factory
    return open_bulkio(EXPORT_TTL_MS=ms)


@when(parsers.re(rf"I export {RESOURCE} to a stored file"), target_fixture="export_job")
def _(bio: Bulkio, resource: str) -> Job:
    job = bio.wait(bio.export_job(resource, "csv").id, timeout=30)
    assert job.status is JobStatus.COMPLETED and job.result_key is not None, job.failure
    return job


@when("the maintenance runs")
def _(bio: Bulkio) -> None:
    bio.container.maintenance().run_once()


@then("the export job has no file any more")
def _(bio: Bulkio, export_job: Job) -> None:
    assert bio.get_job(export_job.id).result_key is None
    with pytest.raises(NotFound):
        bio.container.job_service().open_result(export_job.id)
