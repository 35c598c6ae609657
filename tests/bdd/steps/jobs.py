"""Import jobs: start them, wait for them, read their status, counters, errors and reports."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bulkio.api import Bulkio
from bulkio.domain.errors import BulkioError
from bulkio.domain.jobs import Job, JobStatus
from pytest_bdd import parsers, then, when

from .files import save
from .tables import decode_file, encode_records, rows_of, text_of

TIMEOUT = 30
RESOURCE = "(?P<resource>users|articles|comments)"


def run_import(bio: Bulkio, path: Path, resource: str, fmt: str | None = None,
               dry_run: bool = False) -> Job:
    return bio.wait(bio.import_file(path, resource=resource, format=fmt, dry_run=dry_run).id,
                    timeout=TIMEOUT)


def refused(attempt: Callable[[], object]) -> BulkioError:
    """The error `attempt` is refused with; fails the step when it is accepted."""
    try:
        attempt()
    except BulkioError as err:
        return err
    raise AssertionError("the import was accepted")


@when(parsers.re(rf'I import "(?P<name>[^"]+)" as {RESOURCE} in (?P<fmt>\w+) format'), target_fixture="job")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str, fmt: str) -> Job:
    return run_import(bio, files[name], resource, fmt)


@when(parsers.re(rf'I import "(?P<name>[^"]+)" as {RESOURCE}( again)?'), target_fixture="job")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str) -> Job:
    return run_import(bio, files[name], resource)


@when(parsers.re(rf'I import "(?P<first>[^"]+)" and "(?P<second>[^"]+)" as {RESOURCE} at once'),
      target_fixture="jobs")
def _(bio: Bulkio, files: dict[str, Path], first: str, second: str, resource: str) -> list[Job]:
    started = [bio.import_file(files[name], resource=resource).id for name in (first, second)]
    return [bio.wait(job_id, timeout=TIMEOUT) for job_id in started]


@then(parsers.parse("both import jobs are {status}"))
def _(jobs: list[Job], status: str) -> None:
    assert [j.status for j in jobs] == [JobStatus(status)] * 2, [j.failure for j in jobs]


@then("the import jobs together count:")
def _(jobs: list[Job], datatable: list[list[str]]) -> None:
    (wanted,) = rows_of(datatable)
    got = {name: sum(getattr(j.counters, name) for j in jobs) for name in wanted}
    assert got == {name: int(value) for name, value in wanted.items()}


@when(parsers.parse('I import the content of "{name}" without a file name as {resource}'),
      target_fixture="job")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str) -> Job:
    stream = io.BytesIO(files[name].read_bytes())
    return bio.wait(bio.import_file(stream, resource=resource).id, timeout=TIMEOUT)


@when(parsers.parse('I validate "{name}" as {resource}'), target_fixture="job")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str) -> Job:
    return run_import(bio, files[name], resource, dry_run=True)


@when(parsers.parse('I try to import "{name}" as {resource} in {fmt} format'), target_fixture="refusal")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str, fmt: str) -> BulkioError:
    return refused(lambda: bio.import_file(files[name], resource=resource, format=fmt))


@then(parsers.parse('the request is refused because "{reason}"'))
def _(refusal: BulkioError, reason: str) -> None:
    assert reason in str(refusal), str(refusal)


@then(parsers.parse("the import job is {status}"))
def _(job: Job, status: str) -> None:
    assert job.status is JobStatus(status), (job.status, job.failure, job.errors[:5])


@then(parsers.parse("the import job was split into {count:d} chunk jobs"))
def _(bio: Bulkio, job: Job, count: int) -> None:
    assert job.chunks == count
    chunks = bio.container.job_repository().chunks_of(job.id)
    assert [c.status for c in chunks] == [JobStatus.COMPLETED] * count
    assert chunks[0].first_row == 1 and chunks[-1].last_row == job.counters.total


@then("the import job was not split")
def _(bio: Bulkio, job: Job) -> None:
    assert job.chunks == 0 and bio.container.job_repository().chunks_of(job.id) == []


@then("the import job was a dry run")
def _(job: Job) -> None:
    assert job.dry_run


@then(parsers.parse('the import job failed because "{reason}"'))
def _(job: Job, reason: str) -> None:
    assert job.status is JobStatus.FAILED
    assert job.failure is not None and reason in job.failure, job.failure


@then("the import job counts:")
def _(job: Job, datatable: list[list[str]]) -> None:
    (wanted,) = rows_of(datatable)
    got = {name: getattr(job.counters, name) for name in wanted}
    assert got == {name: int(value) for name, value in wanted.items()}, job.errors[:5]


@then("the row errors are:")
def _(job: Job, datatable: list[list[str]]) -> None:
    columns = datatable[0]
    got = [{c: text_of(getattr(e, c)) for c in columns} for e in job.errors]
    assert got == rows_of(datatable), got


@then("the import job reports no row errors")
def _(job: Job) -> None:
    assert (job.errors, job.counters.failed) == ([], 0)


@then(parsers.parse('the import job warns that the column "{column}" was ignored'))
def _(job: Job, column: str) -> None:
    assert any(column in warning for warning in job.warnings), job.warnings


@then("the import job has no warnings")
def _(job: Job) -> None:
    assert job.warnings == []


@then(parsers.parse("each row error shows at most {size:d} characters of its value"))
def _(bio: Bulkio, job: Job, size: int) -> None:
    shown = [*job.errors, *bio.errors(job.id)]
    assert shown and all(len(str(e.value or "")) <= size for e in shown), shown


@then(parsers.parse("the import job shows the first {count:d} errors"))
def _(job: Job, count: int) -> None:
    assert [e.row for e in job.errors] == list(range(1, count + 1))


@then(parsers.parse("all {count:d} errors of the import job can be listed"))
def _(bio: Bulkio, job: Job, count: int) -> None:
    listed = bio.errors(job.id, 0, 100) + bio.errors(job.id, 100, 100)
    assert [e.row for e in listed] == list(range(1, count + 1))


@when(parsers.parse("I download the error report as {fmt}"), target_fixture="report")
def _(bio: Bulkio, job: Job, fmt: str) -> dict[str, Any]:
    return {"format": fmt, "records": decode_file(b"".join(bio.error_report(job.id, fmt)), fmt)}


@then("the error report lists:")
def _(report: dict[str, Any], datatable: list[list[str]]) -> None:
    columns = datatable[0]
    got = [{c: text_of(record.get(c)) for c in columns} for record in report["records"]]
    assert got == rows_of(datatable)


@then(parsers.parse("the error report has {count:d} rows"))
def _(report: dict[str, Any], count: int) -> None:
    assert len(report["records"]) == count


def _same_column(a: str, b: str) -> bool:
    """Columns are matched as bulkio matches them: ignoring case, spaces, hyphens, underscores."""
    return a.lower().translate(_IGNORED) == b.lower().translate(_IGNORED)


_IGNORED = str.maketrans("", "", " _-")


@when("I correct the error report:")
def _(report: dict[str, Any], datatable: list[list[str]]) -> None:
    by_row = {str(r["_error_row"]): r for r in report["records"]}
    for fix in rows_of(datatable):
        record = by_row[fix["_error_row"]]
        column = next((k for k in record if _same_column(k, fix["column"])), fix["column"])
        record[column] = fix["value"]


@when(parsers.parse('I save the corrected error report as "{name}"'))
def _(report: dict[str, Any], files: dict[str, Path], files_dir: Path, name: str) -> None:
    save(files, files_dir, name, encode_records(report["records"], report["format"]))


KEYED = rf'I import "(?P<name>[^"]+)" as {RESOURCE}(?P<again> again)? with the idempotency key "(?P<key>[^"]+)"'


@pytest.fixture
def keyed_jobs() -> list[Job]:
    """The jobs of the imports sent with an idempotency key, in order."""
    return []


@when(parsers.re(KEYED))
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str, key: str,
      keyed_jobs: list[Job]) -> None:
    job = bio.import_file(files[name], resource=resource, idempotency_key=key)
    keyed_jobs.append(bio.wait(job.id, timeout=TIMEOUT))


@when(parsers.re(rf'I try to import "(?P<name>[^"]+)" as {RESOURCE} with the idempotency key '
                 r'"(?P<key>[^"]+)"'), target_fixture="refusal")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str, key: str) -> BulkioError:
    return refused(lambda: bio.import_file(files[name], resource=resource, idempotency_key=key))


@then("both imports are the same import job")
def _(keyed_jobs: list[Job]) -> None:
    assert len(keyed_jobs) == 2 and keyed_jobs[0].id == keyed_jobs[1].id


@then(parsers.parse("there is {count:d} import job"))
def _(bio: Bulkio, count: int) -> None:
    assert len(bio.jobs(kind="import")) == count


DELIMITED = rf'"(?P<name>[^"]+)" as {RESOURCE} with the delimiter "(?P<delimiter>[^"]*)"'


@when(parsers.re(rf"I (?P<verb>import|validate) {DELIMITED}"), target_fixture="job")
def _(bio: Bulkio, files: dict[str, Path], verb: str, name: str, resource: str,
      delimiter: str) -> Job:
    job = bio.import_file(files[name], resource=resource, delimiter=delimiter,
                          dry_run=verb == "validate")
    return bio.wait(job.id, timeout=TIMEOUT)


@when(parsers.re(rf"I try to import {DELIMITED}"), target_fixture="refusal")
def _(bio: Bulkio, files: dict[str, Path], name: str, resource: str, delimiter: str) -> BulkioError:
    return refused(lambda: bio.import_file(files[name], resource=resource, delimiter=delimiter))


@then(parsers.parse('the refusal names the field "{field}"'))
def _(refusal: BulkioError, field: str) -> None:
    assert getattr(refusal, "field", None) == field, refusal
