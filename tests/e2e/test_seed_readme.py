"""Every curl command of the seed README (API Documentation, Usage Examples), against a real
`bulkio serve` process: same method, path, headers and body, and every field of each example
response present with the same name and JSON type."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.e2e.conftest import SEED_CSV, SEED_NDJSON, TERMINAL

KEY = "your-key"
H = {"X-API-Key": KEY}

# The example responses, exactly as the seed README shows them.
CREATED_IMPORT = {
    "id": "550e8400-e29b-41d4-a716-446655440000", "resourceType": "users", "status": "pending",
    "totalRows": 0, "processedRows": 0, "successfulRows": 0, "failedRows": 0, "skippedRows": 0,
    "createdAt": "2024-01-15T10:30:00Z", "updatedAt": "2024-01-15T10:30:00Z",
}
IMPORT_STATUS = {
    "id": "550e8400-e29b-41d4-a716-446655440000", "resourceType": "users", "status": "completed",
    "totalRows": 10000, "processedRows": 10000, "successfulRows": 9850, "failedRows": 100,
    "skippedRows": 50, "progressPercentage": 100,
    "errors": [{"row": 42, "field": "email", "message": "Invalid email format",
                "value": "not-an-email"}],
    "metrics": {"rowsPerSecond": 2500, "errorRate": 0.01, "durationMs": 4000},
    "startedAt": "2024-01-15T10:30:01Z", "completedAt": "2024-01-15T10:30:05Z",
    "createdAt": "2024-01-15T10:30:00Z", "updatedAt": "2024-01-15T10:30:05Z",
}
CREATED_EXPORT = {
    "id": "660e8400-e29b-41d4-a716-446655440001", "resourceType": "articles", "format": "ndjson",
    "status": "pending", "totalRows": 0, "exportedRows": 0,
    "createdAt": "2024-01-15T10:30:00Z", "updatedAt": "2024-01-15T10:30:00Z",
}
EXPORT_STATUS = {
    "id": "660e8400-e29b-41d4-a716-446655440001", "resourceType": "articles", "format": "ndjson",
    "status": "completed", "totalRows": 5000, "exportedRows": 5000, "progressPercentage": 100,
    "downloadUrl": "https://s3.amazonaws.com/...", "fileSize": 2500000,
    "metrics": {"rowsPerSecond": 6000, "totalBytes": 2500000, "durationMs": 833},
    "expiresAt": "2024-01-16T10:30:05Z", "startedAt": "2024-01-15T10:30:01Z",
    "completedAt": "2024-01-15T10:30:02Z",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def assert_shape(example: Any, actual: Any, where: str = "$") -> None:
    """Every field of `example` is in `actual`, with the same JSON type, recursively."""
    assert json_type(actual) == json_type(example), f"{where}: {actual!r} is not like {example!r}"
    if isinstance(example, dict):
        for name, value in example.items():
            assert name in actual, f"{where}.{name} is missing"
            assert_shape(value, actual[name], f"{where}.{name}")
    elif isinstance(example, list) and example:
        assert actual, f"{where}: expected items to compare with the example"
        for index, item in enumerate(actual):
            assert_shape(example[0], item, f"{where}[{index}]")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder curl runs in (users.csv, users.ndjson), also served over HTTP."""
    folder = tmp_path_factory.mktemp("curl")
    (folder / "users.csv").write_bytes(SEED_CSV)
    (folder / "users.ndjson").write_bytes(SEED_NDJSON)
    return folder


@pytest.fixture(scope="module")
def web(files: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(files)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_until_up(f"http://127.0.0.1:{port}/users.csv", server)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`bulkio serve` on a free port, embedded, with the README's API keys."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_", "REDIS_", "AWS_S3", "API_", "BULKIO_"))}
    env.update(BULKIO_DATA_DIR=str(tmp_path_factory.mktemp("serve")), PORT=str(port),
               API_KEY=f"{KEY},your-secret-key", URL_IMPORT_ALLOW_HOSTS="127.0.0.1")
    bulkio = Path(sys.executable).with_name("bulkio")
    process = subprocess.Popen([str(bulkio), "serve", "--host", "127.0.0.1"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/health/ready", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert process.returncode == 0, output.decode(errors="replace")[-3000:]


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited while starting"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def wait(http: httpx.Client, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job = http.get(path, headers=H).json()
        if job["status"] in TERMINAL or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


@pytest.mark.slow
def test_every_readme_curl_works_against_the_server(server: str, web: str, files: Path) -> None:
    http = httpx.Client(base_url=server, timeout=30)

    # API Documentation: Create Import Job, form data (file upload).
    with (files / "users.ndjson").open("rb") as upload:
        created = http.post("/v1/imports", headers=H, files={"file": ("users.ndjson", upload)},
                            data={"resourceType": "users"})
    assert created.status_code == 201, created.text
    assert_shape(CREATED_IMPORT, created.json())
    users_job = wait(http, f"/v1/imports/{created.json()['id']}")
    assert users_job["status"] == "completed" and users_job["successfulRows"] == 3

    # API Documentation: Create Import Job, JSON body (URL import).
    by_url = http.post("/v1/imports", headers={**H, "Content-Type": "application/json"},
                       content=json.dumps({"resourceType": "users",
                                           "fileUrl": f"{web}/users.ndjson", "format": "ndjson"}))
    assert by_url.status_code == 201, by_url.text
    assert_shape(CREATED_IMPORT, by_url.json())
    assert wait(http, f"/v1/imports/{by_url.json()['id']}")["status"] == "completed"

    # Usage Examples: Import Users from CSV File (with an Idempotency-Key), twice.
    idempotent = {**H, "Idempotency-Key": "import-users-2024-01-15"}
    for expected in (201, 200):
        with (files / "users.csv").open("rb") as upload:
            from_csv = http.post("/v1/imports", headers=idempotent,
                                 files={"file": ("users.csv", upload)}, data={"resourceType": "users"})
        assert from_csv.status_code == expected, from_csv.text
        assert_shape(CREATED_IMPORT if expected == 201 else {"id": ""}, from_csv.json())
    assert from_csv.headers["Idempotent-Replayed"] == "true"

    # Usage Examples: Import Articles from NDJSON URL (one row broken on purpose).
    user_ids = {json.loads(line)["email"]: json.loads(line)["id"] for line in
                http.get("/v1/exports", params={"resource": "users", "format": "ndjson"},
                         headers=H).text.splitlines()}
    author = user_ids["john@example.com"]
    body = " ".join(["words"] * 12)
    articles = [
        {"slug": "hello-world", "title": "Hello", "body": body, "author_id": author,
         "status": "published", "published_at": "2024-02-01T09:00:00Z", "tags": ["news"]},
        {"slug": "second-post", "title": "Second", "body": body, "author_id": author,
         "status": "draft"},
        {"slug": "Not A Slug", "title": "Broken", "body": body, "author_id": author,
         "status": "draft"},
    ]
    (files / "articles.ndjson").write_text("\n".join(json.dumps(a) for a in articles) + "\n")
    article_import = http.post("/v1/imports", headers={**H, "Content-Type": "application/json"},
                               content=json.dumps({"resourceType": "articles",
                                                   "fileUrl": f"{web}/articles.ndjson",
                                                   "format": "ndjson"}))
    assert article_import.status_code == 201, article_import.text
    assert_shape({**CREATED_IMPORT, "resourceType": "articles"}, article_import.json())

    # API Documentation: Get Import Job Status; Usage Examples: Check Import Status.
    article_job = wait(http, f"/v1/imports/{article_import.json()['id']}")
    assert article_job["status"] == "completed" and article_job["failedRows"] == 1
    status = http.get(f"/v1/imports/{article_import.json()['id']}", headers=H)
    assert status.status_code == 200
    assert_shape(IMPORT_STATUS, status.json())
    assert status.json()["errors"][0]["field"] == "slug"

    # Authentication: Usage (a job id that does not exist: authenticated, then not found).
    assert http.get("/v1/imports/123", headers={"X-API-Key": "your-secret-key"}).status_code == 404
    assert http.get("/v1/imports/123").status_code == 401

    # API Documentation and Usage Examples: Stream Export as CSV.
    users_csv = http.get("/v1/exports?resource=users&format=csv", headers=H)
    assert users_csv.status_code == 200
    assert users_csv.headers["content-type"].startswith("text/csv")
    (files / "users-export.csv").write_bytes(users_csv.content)
    assert users_csv.text.splitlines()[0].startswith("id,email,name,role,active")
    assert len(users_csv.text.splitlines()) == 4

    # Usage Examples: Stream Export as NDJSON with filters.
    published = http.get("/v1/exports?resource=articles&format=ndjson&status=published", headers=H)
    assert published.status_code == 200
    assert [json.loads(line)["slug"] for line in published.text.splitlines()] == ["hello-world"]

    # API Documentation: Create Async Export Job; Get Export Job Status.
    export = http.post("/v1/exports", headers={**H, "Content-Type": "application/json"},
                       content=json.dumps({"resourceType": "articles", "format": "ndjson",
                                           "filters": {"status": "published",
                                                       "createdAfter": "2024-01-01"}}))
    assert export.status_code == 201, export.text
    assert_shape(CREATED_EXPORT, export.json())
    assert wait(http, f"/v1/exports/{export.json()['id']}")["status"] == "completed"
    export_status = http.get(f"/v1/exports/{export.json()['id']}", headers=H)
    assert_shape(EXPORT_STATUS, export_status.json())
    download = http.get(export_status.json()["downloadUrl"], headers=H)
    assert download.status_code == 200
    assert len(download.content) == export_status.json()["fileSize"]

    # Usage Examples: Create Async Export with Filters ("user-uuid-here" is John's id).
    chosen = http.post("/v1/exports", headers={**H, "Content-Type": "application/json"},
                       content=json.dumps({"resourceType": "articles", "format": "json",
                                           "filters": {"status": "published",
                                                       "createdAfter": "2024-01-01",
                                                       "authorId": author},
                                           "fields": ["id", "slug", "title", "status"]}))
    assert chosen.status_code == 201, chosen.text
    assert_shape({**CREATED_EXPORT, "format": "json"}, chosen.json())
    finished = wait(http, f"/v1/exports/{chosen.json()['id']}")
    assert_shape({**EXPORT_STATUS, "format": "json"}, finished)
    records = http.get(finished["downloadUrl"], headers=H).json()
    assert [list(r) for r in records] == [["id", "slug", "title", "status"]]
    assert records[0]["slug"] == "hello-world"
