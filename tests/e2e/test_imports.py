"""Imports over HTTP, through the real worker: upload, URL, raw body, errors, listing, cancel."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from tests.e2e.conftest import SEED_CSV, SEED_NDJSON, upload, wait_for

Imported = Callable[..., dict[str, Any]]
BAD_ROWS = (b"email,name,role,active\n"
            b"ok@example.com,Ok,admin,true\n"
            b"not-an-email,Bad Email,admin,true\n"
            b"role@example.com,Bad Role,superuser,true\n")


def test_csv_upload_creates_a_pending_job_in_the_seed_shape(client: TestClient) -> None:
    response = upload(client, SEED_CSV)

    assert response.status_code == 201
    job = response.json()
    assert job["resourceType"] == "users" and job["status"] in ("pending", "processing", "completed")
    assert response.headers["location"].endswith(f"/v1/imports/{job['id']}")
    for name in ("totalRows", "processedRows", "successfulRows", "failedRows", "skippedRows"):
        assert isinstance(job[name], int)


def test_upload_is_imported_when_it_completes(imported: Imported) -> None:
    job = imported(SEED_NDJSON, name="users.ndjson")

    assert job["status"] == "completed" and job["phase"] == "done"
    assert (job["totalRows"], job["successfulRows"], job["failedRows"]) == (3, 3, 0)
    assert job["progressPercentage"] == 100
    assert set(job["metrics"]) == {"rowsPerSecond", "errorRate", "durationMs"}
    assert job["startedAt"] and job["completedAt"] and "etaSeconds" in job


def test_file_may_come_before_the_resource_in_the_form(client: TestClient) -> None:
    response = client.post("/v1/imports", files=[("file", ("users.csv", SEED_CSV)),
                                                 ("resourceType", (None, b"users"))])

    assert response.status_code == 201, response.text
    assert wait_for(client, f"/v1/imports/{response.json()['id']}")["successfulRows"] == 3


def test_json_array_upload_is_imported_when_the_format_is_given(imported: Imported) -> None:
    rows = [json.loads(line) for line in SEED_NDJSON.splitlines()]

    job = imported(json.dumps(rows).encode(), name="export", format="json")

    assert job["status"] == "completed" and job["successfulRows"] == 3


def test_raw_body_upload_is_imported_when_the_query_names_the_resource(client: TestClient) -> None:
    response = client.post("/v1/imports", params={"resourceType": "users", "format": "csv"},
                           content=SEED_CSV, headers={"content-type": "text/csv"})

    assert response.status_code == 201, response.text
    assert wait_for(client, response.headers["location"])["successfulRows"] == 3


def test_dry_run_validates_without_writing(client: TestClient, imported: Imported) -> None:
    job = imported(BAD_ROWS, dryRun="true")

    assert job["dryRun"] is True and job["failedRows"] == 2
    assert client.get("/v1/exports", params={"resource": "users"}).content == b""


def test_remote_file_is_fetched_and_imported_when_a_url_is_given(
        client: TestClient, web_folder: tuple[Path, str]) -> None:
    folder, base = web_folder
    (folder / "users.ndjson").write_bytes(SEED_NDJSON)

    response = client.post("/v1/imports", json={"resourceType": "users",
                                                 "fileUrl": f"{base}/users.ndjson",
                                                 "format": "ndjson"})

    assert response.status_code == 201, response.text
    job = wait_for(client, response.headers["location"])
    assert job["status"] == "completed" and job["successfulRows"] == 3
    assert job["fileUrl"] == f"{base}/users.ndjson"


def test_remote_import_fails_with_a_reason_when_the_url_is_missing(
        client: TestClient, web_folder: tuple[Path, str]) -> None:
    _, base = web_folder

    response = client.post("/v1/imports", json={"resourceType": "users",
                                                 "fileUrl": f"{base}/nothing.ndjson"})

    job = wait_for(client, response.headers["location"])
    assert job["status"] == "failed" and job["failureReason"]


def test_row_errors_are_listed_inline_and_paged(client: TestClient, imported: Imported) -> None:
    job = imported(BAD_ROWS)

    assert job["status"] == "completed" and job["failedRows"] == 2
    assert {(e["row"], e["field"]) for e in job["errors"]} == {(2, "email"), (3, "role")}
    first = client.get(f"/v1/imports/{job['id']}/errors", params={"limit": 1}).json()
    second = client.get(f"/v1/imports/{job['id']}/errors",
                        params={"offset": first["nextOffset"], "limit": 1}).json()
    assert first["total"] == 2 and len(first["errors"]) == 1
    assert second["errors"][0]["row"] == 3 and second["nextOffset"] is None
    far = client.get(f"/v1/imports/{job['id']}/errors", params={"offset": 2**63 - 1})
    assert far.status_code == 200 and far.json()["errors"] == []
    beyond = client.get(f"/v1/imports/{job['id']}/errors", params={"offset": 2**63})
    assert beyond.status_code in (400, 422), beyond.text


def test_error_report_can_be_fixed_and_imported_again(client: TestClient, imported: Imported) -> None:
    job = imported(BAD_ROWS)

    report = client.get(f"/v1/imports/{job['id']}/errors/report", params={"format": "csv"})

    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert [r["email"] for r in rows] == ["not-an-email", "role@example.com"]
    fixed = io.StringIO()
    writer = csv.DictWriter(fixed, ["email", "name", "role", "active"], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "email": row["email"].replace("not-an-email", "fixed@example.com"),
                         "role": "reader"})
    again = imported(fixed.getvalue().encode())
    assert again["successfulRows"] == 2 and again["failedRows"] == 0


def test_error_report_comes_as_ndjson_and_json_too(client: TestClient, imported: Imported) -> None:
    job = imported(BAD_ROWS)

    ndjson = client.get(f"/v1/imports/{job['id']}/errors/report", params={"format": "ndjson"})
    as_json = client.get(f"/v1/imports/{job['id']}/errors/report", params={"format": "json"})

    assert len(ndjson.text.splitlines()) == 2
    assert ndjson.headers["content-type"] == "application/x-ndjson"
    assert len(as_json.json()) == 2


def test_listing_pages_with_a_cursor_and_filters(client: TestClient, imported: Imported) -> None:
    ids = [imported(SEED_CSV)["id"] for _ in range(3)]

    first = client.get("/v1/imports", params={"limit": 2}).json()
    second = client.get("/v1/imports", params={"limit": 2, "cursor": first["nextCursor"]}).json()

    assert [j["id"] for j in first["items"] + second["items"]] == ids[::-1]
    assert second["nextCursor"] is None
    assert client.get("/v1/imports", params={"status": "failed"}).json()["items"] == []
    assert len(client.get("/v1/imports", params={"resourceType": "users"}).json()["items"]) == 3
    assert client.get("/v1/imports", params={"createdFrom": "2999-01-01"}).json()["items"] == []


def test_pending_import_is_cancelled_when_asked(client: TestClient, container: Any) -> None:
    container.queue().stop()  # nothing runs: the job stays pending
    created = upload(client, SEED_CSV).json()

    cancelled = client.delete(f"/v1/imports/{created['id']}")

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/v1/imports/{created['id']}/cancel").status_code == 409


def test_refused_uploads_leave_no_file_behind(client: TestClient, settings: Any) -> None:
    uploads = settings.storage_dir / "uploads"
    accepted = upload(client, SEED_CSV)
    headers = {"Idempotency-Key": "once"}
    client.post("/v1/imports", files={"file": ("u.csv", SEED_CSV)}, data={"resourceType": "users"},
                headers=headers)

    refused = [
        client.post("/v1/imports", files=[("file", ("users.csv", SEED_CSV)),
                                          ("resourceType", (None, b"widgets"))]),
        client.post("/v1/imports", files={"file": ("u.csv", SEED_NDJSON)},
                    data={"resourceType": "users"}, headers=headers),
        upload(client, b""),
    ]

    assert [r.status_code for r in refused] == [422, 422, 422]
    assert accepted.status_code == 201
    assert len([p for p in uploads.iterdir() if p.is_file()]) == 2
