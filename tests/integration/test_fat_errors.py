"""Job state stays small however large the invalid values are. A `bulkio serve` and a
`bulkio worker` on PostgreSQL, Redis and S3 import a file with a hundred invalid emails of a
mebibyte each, refused by the validator (under the value limit) or by the reader (over a lower
one): the job completes with exact counts, its row and every view of it hold previews rather
than values, and neither process's peak memory grows with the invalid values."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest

from bulkio.domain.rows import PREVIEW
from tests.conftest import free_port
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.test_memory_bounds import peak_rss_mb

pytestmark = [pytest.mark.services, pytest.mark.slow]

MB = 1024 * 1024
BAD, GOOD = 100, 20  # rows with a 1 MiB invalid email, valid rows
BATCH = 10  # rows per batch: the job's errors build up over a dozen batches
# The budget, in MiB over each process's own peak once it is up: `bulkio serve` streams the
# upload to S3 (one 8 MiB part and the parser's buffers at a time) whatever the file's size;
# the worker holds the batch it writes and the batch read ahead, each value a few times over
# (read, checked, kept for the error report): COPIES x 2 batches of BATCH rows. Neither may
# depend on how many invalid values the job has met. When the job row held each invalid value
# whole, the worker peaked at 1.1 GB on this file and each GET of the job returned 100 MB.
SERVE_BUDGET_MB, WORKER_SLACK_MB, COPIES = 64, 64, 4
VIEW_BYTES = 64 * 1024  # one job, or one page of the job list, as JSON


def _write(path: Path) -> int:
    """A users CSV: BAD rows whose email is 1 MiB long (no `@`), between GOOD valid rows;
    returns its size in bytes."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["email", "name", "role"])
        for i in range(BAD + GOOD):
            if i % 6 == 5:  # every sixth row is valid: errors and good rows share batches
                writer.writerow([f"good{i}@example.com", f"Good {i}", "reader"])
            else:
                writer.writerow([f"{i:03d}" + "x" * (MB - 3), f"Bad {i}", "reader"])
    return path.stat().st_size


def _ended(http: httpx.Client, location: str) -> dict | None:
    job = http.get(location).json()
    return job if job["status"] in ("completed", "failed", "cancelled") else None


@pytest.mark.parametrize(("limits", "field", "code"), [
    # 1 MiB is under the default value limit (2 MiB): the validator refuses each email.
    pytest.param({}, "email", "too_long", id="emails-the-validator-refuses"),
    # Under a lower limit the reader refuses each row before it is built.
    pytest.param({"BULKIO_MAX_VALUE_CHARS": MB // 2}, None, "malformed_row",
                 id="emails-over-the-value-limit"),
])
def test_fat_errors_job_completes_with_bounded_worker_and_api_memory(
    cluster: Cluster, database: Database, tmp_path: Path, limits: dict[str, int],
    field: str | None, code: str, capsys: pytest.CaptureFixture[str],
) -> None:
    size = _write(tmp_path / "fat.csv")
    worker = cluster.worker("worker-1", JOB_BATCH_SIZE=BATCH, **limits)
    api = cluster.api("api-1", free_port(), **limits)
    started = {"serve": peak_rss_mb(api), "worker": peak_rss_mb(worker)}
    with httpx.Client(base_url=api.url, timeout=120) as http:
        with (tmp_path / "fat.csv").open("rb") as upload:
            created = http.post("/v1/imports", files={"file": ("fat.csv", upload)},
                                data={"resourceType": "users"})
        assert created.status_code == 201, created.text
        location = f"/v1/imports/{created.json()['id']}"
        job = eventually(lambda: _ended(http, location), 300, "the fat-errors import")
        view = http.get(location)
        listed = http.get("/v1/imports")

    assert job["status"] == "completed", job["failureReason"]
    counts = ("totalRows", "processedRows", "successfulRows", "failedRows", "errorCount")
    assert [job[name] for name in counts] == [BAD + GOOD, BAD + GOOD, GOOD, BAD, BAD]
    assert len(job["errors"]) == BAD  # the first 100 errors inline, each with a preview
    for error in job["errors"]:
        assert (error["field"], error["code"]) == (field, code)
        assert len(error["value"]) == PREVIEW + 1 and error["value"].endswith("…")
    assert len(view.content) < VIEW_BYTES, len(view.content)
    assert len(listed.content) < VIEW_BYTES, len(listed.content)
    [item] = listed.json()["items"]
    assert (item["id"], item["errorCount"], item["errors"]) == (job["id"], BAD, job["errors"][:1])
    stored = database.scalar("SELECT pg_column_size(errors) FROM jobs WHERE id = :id",
                             id=job["id"])
    assert stored < VIEW_BYTES, stored
    if code == "too_long":  # the error report still has the row whole, ready to fix
        assert database.scalar("SELECT min(length(raw ->> 'email')) FROM job_errors "
                               "WHERE job_id = :id", id=job["id"]) == MB

    peaks = {"serve": peak_rss_mb(api), "worker": peak_rss_mb(worker)}
    with capsys.disabled():
        print(f"\n{size / MB:.0f} MiB file, {code}: peak RSS (at start-up) " + ", ".join(
            f"`bulkio {k}` {v:.0f} MiB ({started[k]:.0f})" for k, v in peaks.items()))
    assert api.alive() and worker.alive()
    assert peaks["serve"] - started["serve"] < SERVE_BUDGET_MB
    assert peaks["worker"] - started["worker"] < WORKER_SLACK_MB + COPIES * 2 * BATCH
