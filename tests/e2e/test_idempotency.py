"""Idempotency-Key on job creation: replayed once accepted, refused for another request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app
from tests.e2e.conftest import SEED_CSV, SEED_NDJSON


def post_file(client: TestClient, data: bytes, key: str, **extra: Any) -> Any:
    return client.post("/v1/imports", files={"file": ("users.csv", data)},
                       data={"resourceType": "users", **extra}, headers={"Idempotency-Key": key})


def test_retried_upload_replays_the_original_job(client: TestClient) -> None:
    first = post_file(client, SEED_CSV, "import-users-2024-01-15")
    again = post_file(client, SEED_CSV, "import-users-2024-01-15")

    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(client.get("/v1/imports").json()["items"]) == 1


def test_same_file_with_other_options_is_another_request(client: TestClient) -> None:
    post_file(client, SEED_CSV, "k1")

    assert post_file(client, SEED_CSV, "k1", dryRun="true").status_code == 422
    assert post_file(client, SEED_NDJSON, "k1").status_code == 422


def test_url_import_and_export_are_replayed_too(client: TestClient) -> None:
    body = {"resourceType": "users", "fileUrl": "http://127.0.0.1:9/users.ndjson"}
    first = client.post("/v1/imports", json=body, headers={"Idempotency-Key": "url-1"})
    again = client.post("/v1/imports", json=body, headers={"Idempotency-Key": "url-1"})
    export = {"resourceType": "users", "format": "csv", "fields": ["email"]}
    one = client.post("/v1/exports", json=export, headers={"Idempotency-Key": "exp-1"})
    two = client.post("/v1/exports", json=export, headers={"Idempotency-Key": "exp-1"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (one.status_code, two.status_code) == (201, 200)
    assert one.json()["id"] == two.json()["id"]


def test_key_may_be_used_again_when_the_request_was_refused(client: TestClient) -> None:
    assert post_file(client, b"", "k-empty").status_code == 422

    assert post_file(client, SEED_CSV, "k-empty").status_code == 201


@pytest.fixture
def two_key_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(build(settings.with_(api_keys=("key-a", "key-b"))))) as c:
        yield c


def test_keys_are_scoped_per_api_key(two_key_client: TestClient) -> None:
    headers = {"Idempotency-Key": "one-key-for-all"}
    a = two_key_client.post("/v1/exports", json={"resourceType": "users"},
                            headers={**headers, "X-API-Key": "key-a"})
    b = two_key_client.post("/v1/exports", json={"resourceType": "users", "format": "csv"},
                            headers={**headers, "X-API-Key": "key-b"})

    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_export_keeping_formulas_is_another_request_and_false_is_the_default(
    client: TestClient,
) -> None:
    export = {"resourceType": "users", "format": "csv"}
    first = client.post("/v1/exports", json=export, headers={"Idempotency-Key": "exp-f"})
    same = client.post("/v1/exports", json={**export, "keepFormulas": False},
                       headers={"Idempotency-Key": "exp-f"})
    other = client.post("/v1/exports", json={**export, "keepFormulas": True},
                        headers={"Idempotency-Key": "exp-f"})

    assert first.status_code == 201 and first.json()["keepFormulas"] is False
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    assert other.status_code == 422
