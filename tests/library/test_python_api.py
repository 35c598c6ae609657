"""bulkio embedded in a Python program: the documented API on the embedded set."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

import bulkio
from bulkio.config import Settings
from bulkio.domain.errors import (
    IdempotencyKeyReused,
    InvalidRequest,
    UnknownField,
    UnknownResource,
    UnsupportedFormat,
)
from bulkio.domain.jobs import JobStatus

USERS = b"""email,name,role,active
john@example.com,John Doe,admin,true
jane@example.com,Jane Smith,editor,true
bob@example.com,Bob Wilson,reader,false
"""


@pytest.fixture
def bio(tmp_path: Path):
    with bulkio.open(Settings(data_dir=tmp_path / "data")) as handle:
        yield handle


def test_a_file_is_imported_and_exported_back_when_given_as_a_path(bio, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_bytes(USERS)
    job = bio.wait(bio.import_file(source, resource="users").id, timeout=30)
    assert (job.status, job.counters.created) == (JobStatus.COMPLETED, 3)
    rows = list(bio.export("users", fields=["email", "role", "active"]))
    assert rows == [
        {"email": "bob@example.com", "role": "reader", "active": False},
        {"email": "jane@example.com", "role": "editor", "active": True},
        {"email": "john@example.com", "role": "admin", "active": True},
    ]


def test_a_gzip_stream_is_imported_when_given_as_a_binary_stream(bio) -> None:
    job = bio.wait(bio.import_file(io.BytesIO(gzip.compress(USERS)), "users", "csv").id, timeout=30)
    assert (job.status, job.counters.created) == (JobStatus.COMPLETED, 3)


def test_an_export_reimports_as_skips_when_written_to_a_file(bio, tmp_path: Path) -> None:
    bio.wait(bio.import_file(io.BytesIO(USERS), "users", "csv").id, timeout=30)
    for fmt in ("csv", "ndjson", "json"):
        target = tmp_path / f"users.{fmt}"
        assert bio.export_to(target, "users", fmt) == target.stat().st_size > 0
        again = bio.wait(bio.import_file(target, "users").id, timeout=30)
        c = again.counters
        assert (again.status, c.created, c.updated, c.skipped, c.failed) == (
            JobStatus.COMPLETED, 0, 0, 3, 0), fmt


def test_validate_counts_without_writing_when_asked_for_a_dry_run(bio) -> None:
    job = bio.validate(io.BytesIO(USERS + b"bad,X,boss,true\n"), "users", "csv")
    assert job.dry_run and job.status is JobStatus.COMPLETED
    assert (job.counters.created, job.counters.failed) == (3, 1)
    assert list(bio.export("users")) == []


def test_a_fixed_error_report_imports_cleanly_when_reimported(bio) -> None:
    job = bio.wait(bio.import_file(io.BytesIO(USERS + b"Kim@Example.com,Kim,superuser,true\n"),
                                   "users", "csv").id, timeout=30)
    assert job.counters.failed == 1
    report = b"".join(bio.error_report(job.id, "csv"))
    fixed = report.replace(b"superuser", b"manager")
    again = bio.wait(bio.import_file(io.BytesIO(fixed), "users", "csv").id, timeout=30)
    assert (again.counters.created, again.counters.failed, again.warnings) == (1, 0, [])
    [kim] = bio.export("users", filters={"email": "kim@example.com"}, fields=["role"])
    assert kim == {"role": "manager"}


def test_an_export_job_leaves_a_file_when_it_completes(bio) -> None:
    bio.wait(bio.import_file(io.BytesIO(USERS), "users", "csv").id, timeout=30)
    job = bio.wait(bio.export_job("users", "ndjson", {"active": "true"}).id, timeout=30)
    assert (job.status, job.counters.exported, job.counters.total) == (JobStatus.COMPLETED, 2, 2)
    assert job.result_key and job.expires_at


@pytest.mark.parametrize(("call", "error"), [
    (lambda bio: bio.import_file(io.BytesIO(USERS), "people"), UnknownResource),
    (lambda bio: bio.import_file(io.BytesIO(USERS), "users", "xml"), UnsupportedFormat),
    (lambda bio: list(bio.export("users", filters={"shoeSize": "9"})), UnknownField),
    (lambda bio: list(bio.export("users", fields=["password"])), UnknownField),
])
def test_a_clear_error_is_raised_when_the_request_is_wrong(bio, call, error) -> None:
    with pytest.raises(error):
        call(bio)


def test_pending_jobs_run_when_bulkio_is_opened_again(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", concurrency=1)
    first = bulkio.open(settings)
    first.container.queue().stop(timeout=5)  # the process "dies" before its worker ran the job
    job = first.import_file(io.BytesIO(USERS), "users", "csv")
    first.close()
    with bulkio.open(settings) as second:
        done = second.wait(job.id, timeout=30)
    assert (done.status, done.counters.created) == (JobStatus.COMPLETED, 3)


def test_a_job_whose_worker_stopped_is_recovered_while_bulkio_stays_open(tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "JOB_SWEEP_INTERVAL_MS": "100",
           "JOB_STALE_LOCK_THRESHOLD_MS": "1000"}
    first = bulkio.open(env, sweep=False)
    first.container.queue().stop(timeout=5)
    job = first.import_file(io.BytesIO(USERS), "users", "csv")
    orphan = first.get_job(job.id)
    orphan.start("a-worker-that-died", first.container.clock().now())  # fresh heartbeat
    first.container.job_repository().save(orphan)
    first.close()
    with bulkio.open(env) as second:
        assert second.get_job(job.id).status is JobStatus.PROCESSING  # not stale yet
        done = second.wait(job.id, timeout=30)
    # The crash is not pinned on it (it was not running alone): it ran again as a suspect.
    assert (done.status, done.attempts, done.runs, done.suspect) == (JobStatus.COMPLETED, 1, 2, True)
    assert done.counters.created == 3


def test_open_takes_settings_with_a_plain_string_path_when_embedded(tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_bytes(USERS)
    with bulkio.open(Settings(data_dir=str(tmp_path / "str-data"))) as handle:
        job = handle.wait(handle.import_file(str(source), resource="users").id, timeout=30)
    assert (job.status, job.counters.created) == (JobStatus.COMPLETED, 3)
    assert (tmp_path / "str-data" / "bulkio.db").is_file()


def test_an_import_is_created_once_when_sent_again_with_its_idempotency_key(
        bio, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_bytes(USERS)

    first = bio.import_file(source, "users", idempotency_key="nightly-2024-01-15")
    again = bio.import_file(io.BytesIO(USERS), "users", idempotency_key="nightly-2024-01-15")
    other = bio.import_file(source, "users", idempotency_key="nightly-2024-01-16")

    assert again.id == first.id and other.id != first.id
    assert len(bio.jobs(kind="import")) == 2
    uploads = [p for p in (tmp_path / "data").rglob("*") if p.is_file() and "uploads" in p.parts]
    assert len(uploads) == 2  # the replay's copy of the file was discarded


def test_a_reused_idempotency_key_is_refused_when_the_request_differs(bio) -> None:
    bio.import_file(io.BytesIO(USERS), "users", idempotency_key="k1")

    with pytest.raises(IdempotencyKeyReused):
        bio.import_file(io.BytesIO(USERS), "users", dry_run=True, idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        bio.import_file(io.BytesIO(USERS + b"x@example.com,X,reader,true\n"), "users",
                        idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused):
        bio.export_job("users", idempotency_key="k1")


def test_an_export_job_and_a_url_import_are_created_once_per_idempotency_key(bio) -> None:
    first = bio.export_job("users", "csv", idempotency_key="e1")
    assert bio.export_job("users", "csv", idempotency_key="e1").id == first.id
    url = "http://127.0.0.1:9/users.csv"  # refused by the address check: no request leaves
    fetched = bio.import_url(url, "users", idempotency_key="u1")
    assert bio.import_url(url, "users", idempotency_key="u1").id == fetched.id


def test_errors_past_the_last_one_are_an_empty_page_and_a_negative_offset_is_refused(
        bio, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_text("email,name,role\nnot-an-email,N,reader\n")
    job = bio.wait(bio.import_file(source, resource="users").id, timeout=30)
    assert [e.row for e in bio.errors(job.id)] == [1]
    assert bio.errors(job.id, offset=10**30) == []
    with pytest.raises(InvalidRequest):
        bio.errors(job.id, offset=-1)
