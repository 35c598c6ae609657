"""Acceptance: formula-like text in CSV files (features/exports/formulas.feature), through the
Python API on both adapter sets."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pytest_bdd import parsers, scenarios, then, when

from bulkio.api import Bulkio
from bulkio.domain.jobs import Job, JobStatus
from bulkio.services import render

from .steps.tables import decode_file

scenarios("exports/formulas.feature")

KEEPING = "(?P<keeping>neutralizing|keeping formulas)"
FIELDS = '"(?P<fields>[^"]+)"'


def _kept(keeping: str) -> bool:
    return keeping == "keeping formulas"


def _exported(bio: Bulkio, target: Any, fmt: str, fields: str, keep: bool) -> int:
    return bio.export_to(target, "users", fmt, fields=fields.split(","), keep_formulas=keep)


@when(parsers.re(rf"I export users as csv with the fields {FIELDS} keeping formulas"),
      target_fixture="exported")
def _(bio: Bulkio, fields: str) -> dict[str, Any]:
    out = io.BytesIO()
    _exported(bio, out, "csv", fields, keep=True)
    return {"format": "csv", "data": out.getvalue()}


@when(parsers.re(rf'I export users as (?P<fmt>csv|ndjson|json) with the fields {FIELDS} {KEEPING} '
                 r'into "(?P<name>[^"]+)"'), target_fixture="exported")
def _(bio: Bulkio, files: dict[str, Path], files_dir: Path, fmt: str, fields: str, keeping: str,
      name: str) -> dict[str, Any]:
    path = files[name] = files_dir / name
    _exported(bio, path, fmt, fields, _kept(keeping))
    return {"format": fmt, "data": path.read_bytes()}


@when(parsers.re(rf"I export users to a stored csv file with the fields {FIELDS} {KEEPING}"),
      target_fixture="export_job")
def _(bio: Bulkio, fields: str, keeping: str) -> Job:
    job = bio.export_job("users", "csv", fields=fields.split(","), keep_formulas=_kept(keeping))
    job = bio.wait(job.id, timeout=30)
    assert job.status is JobStatus.COMPLETED, job.failure
    return job


@then(parsers.re("the export job (?P<shows>shows|does not show) that it keeps formulas"))
def _(bio: Bulkio, export_job: Job, shows: str) -> None:
    view = render.export_job(bio.get_job(export_job.id), export_job.updated_at)
    assert view.keepFormulas is (shows == "shows")


@then(parsers.parse('the stored file holds the name "{name}" for "{email}"'))
def _(bio: Bulkio, export_job: Job, name: str, email: str) -> None:
    _, stream = bio.container.job_service().open_result(export_job.id)
    with stream:
        records = decode_file(stream.read(), "csv")
    assert [r["name"] for r in records if r["email"] == email] == [name]


@when(parsers.re(rf"I download the error report as csv {KEEPING}"), target_fixture="report")
def _(bio: Bulkio, job: Job, keeping: str) -> dict[str, Any]:
    data = b"".join(bio.error_report(job.id, "csv", keep_formulas=_kept(keeping)))
    return {"format": "csv", "records": decode_file(data, "csv")}


@then(parsers.parse('the import job warns that the column "{column}" has values that start with '
                    'a quote before a formula character'))
def _(job: Job, column: str) -> None:
    assert any(w.startswith(f"column {column!r} has values that start with ' before =")
               for w in job.warnings), job.warnings
