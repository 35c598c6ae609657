"""One test per error status the API answers, each as RFC 9457 problem details."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app
from bulkio.services.settings import JobSettings
from tests.e2e.conftest import API_KEY, SEED_CSV, upload, wait_for

PROBLEM = "application/problem+json"


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == f"https://bulkio.dev/problems/{slug}" and body["status"] == status
    assert body["title"] and body["detail"] and body["instance"]
    return body


def test_401_when_the_api_key_is_missing(client: TestClient) -> None:
    del client.headers["X-API-Key"]

    problem(client.get("/v1/imports"), 401, "unauthorized")


def test_401_when_the_api_key_is_wrong(client: TestClient) -> None:
    response = client.get("/v1/imports", headers={"X-API-Key": API_KEY + "x"})

    problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"]


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    del client.headers["X-API-Key"]

    assert client.get("/health/live").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200


def test_404_when_the_job_is_unknown(client: TestClient) -> None:
    problem(client.get("/v1/imports/550e8400-e29b-41d4-a716-446655440000"), 404, "not-found")
    problem(client.get("/v1/exports/not-even-a-uuid"), 404, "not-found")


def test_404_when_the_export_has_no_file(client: TestClient, container: Any) -> None:
    container.queue().stop()
    created = client.post("/v1/exports", json={"resourceType": "users"}).json()

    problem(client.get(f"/v1/exports/{created['id']}/download"), 404, "not-found")


def test_409_when_a_completed_job_is_cancelled(client: TestClient) -> None:
    job = wait_for(client, upload(client, SEED_CSV).headers["location"])

    body = problem(client.post(f"/v1/imports/{job['id']}/cancel"), 409, "invalid-transition")
    assert "completed" in body["detail"]


def test_409_when_the_same_idempotent_request_is_still_being_accepted(
        client: TestClient, container: Any) -> None:
    queue = container.queue()
    entered, release = threading.Event(), threading.Event()

    class SlowQueue:  # the first request holds its key while its job is being sent
        def enqueue_run(self, job_id: str) -> None:
            entered.set()
            release.wait(10)
            queue.enqueue_run(job_id)

    container.submitter.reset()  # built again, on the slow queue
    container.queue.override(providers.Object(SlowQueue()))
    body = {"resourceType": "users", "format": "csv"}
    headers = {"Idempotency-Key": "export-once"}
    first: list[Any] = []
    thread = threading.Thread(target=lambda: first.append(
        client.post("/v1/exports", json=body, headers=headers)))
    thread.start()
    try:
        assert entered.wait(10)
        problem(client.post("/v1/exports", json=body, headers=headers), 409,
                "idempotency-key-in-flight")
    finally:
        release.set()
        thread.join(10)
        container.queue.reset_override()
        container.submitter.reset()
    assert first[0].status_code == 201
    replay = client.post("/v1/exports", json=body, headers=headers)
    assert replay.status_code == 200 and replay.json()["id"] == first[0].json()["id"]


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    small = settings.with_(jobs=JobSettings(max_upload_bytes=100))
    with TestClient(create_app(build(small))) as test_client:
        test_client.headers["X-API-Key"] = API_KEY
        yield test_client


def test_413_when_the_upload_is_over_the_limit(small_client: TestClient) -> None:
    problem(upload(small_client, SEED_CSV * 10), 413, "too-large")


def test_413_when_the_announced_length_is_over_the_limit(small_client: TestClient) -> None:
    response = small_client.post("/v1/imports", params={"resourceType": "users"},
                                 content=b"x" * 2_000_000, headers={"content-type": "text/csv"})

    problem(response, 413, "too-large")


def test_415_when_the_format_is_unknown(client: TestClient) -> None:
    problem(upload(client, SEED_CSV, format="xml"), 415, "unsupported-format")
    problem(client.get("/v1/exports", params={"resource": "users", "format": "xml"}), 415,
            "unsupported-format")


def test_422_when_the_resource_type_is_missing(client: TestClient) -> None:
    response = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV)})

    body = problem(response, 422, "invalid-request")
    assert body["errors"][0]["field"] == "resourceType"


def test_422_when_the_resource_type_is_unknown(client: TestClient) -> None:
    body = problem(upload(client, SEED_CSV, resource="widgets"), 422, "unknown-resource")
    assert body["errors"] == [{"field": "resourceType", "message": body["detail"]}]


def test_422_when_the_file_is_empty(client: TestClient) -> None:
    problem(upload(client, b""), 422, "empty-file")


def test_422_when_the_idempotency_key_is_reused_for_another_request(client: TestClient) -> None:
    headers = {"Idempotency-Key": "import-users-2024-01-15"}
    first = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV)},
                        data={"resourceType": "users"}, headers=headers)
    other = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV + SEED_CSV)},
                        data={"resourceType": "users"}, headers=headers)

    assert first.status_code == 201
    problem(other, 422, "idempotency-key-reused")


def test_422_when_a_filter_value_is_bad(client: TestClient) -> None:
    response = client.post("/v1/exports", json={"resourceType": "articles",
                                                "filters": {"createdAfter": "yesterday"}})

    body = problem(response, 422, "invalid-request")
    assert body["errors"][0]["field"] == "createdAfter"


def test_400_when_the_json_body_is_malformed(client: TestClient) -> None:
    response = client.post("/v1/imports", content=b'{"resourceType": "users",',
                           headers={"content-type": "application/json"})

    problem(response, 400, "malformed-body")


def test_503_when_a_dependency_is_down(client: TestClient, container: Any) -> None:
    container.queue().stop()

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["queue"].startswith("failed")
