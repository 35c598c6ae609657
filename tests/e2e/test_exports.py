"""Exports over HTTP: direct streams with filters and fields, export jobs and their files."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.e2e.conftest import SEED_CSV, wait_for

Imported = Callable[..., dict[str, Any]]


@pytest.fixture
def people(imported: Imported) -> dict[str, Any]:
    return imported(SEED_CSV)


@pytest.fixture
def articles(client: TestClient, imported: Imported, people: dict[str, Any]) -> str:
    """Two published articles and a draft by John; returns John's id."""
    john = next(r for r in client.get("/v1/exports", params={"resource": "users"}).iter_lines()
                if "john@" in r)
    author = json.loads(john)["id"]
    body = "word " * 12
    lines = [
        {"slug": "first-post", "title": "First", "body": body, "author_id": author,
         "status": "published", "published_at": "2024-02-01T10:00:00Z", "tags": ["a", "b"]},
        {"slug": "second-post", "title": "Second", "body": body, "author_id": author,
         "status": "published", "published_at": "2024-03-01T10:00:00Z"},
        {"slug": "draft-post", "title": "Draft", "body": body, "author_id": author, "status": "draft"},
    ]
    job = imported("\n".join(json.dumps(line) for line in lines).encode(), "articles",
                   "articles.ndjson")
    assert job["successfulRows"] == 3, job
    return author


@pytest.mark.parametrize(("fmt", "media"), [("csv", "text/csv; charset=utf-8"),
                                            ("ndjson", "application/x-ndjson"),
                                            ("json", "application/json")])
def test_stream_comes_in_the_asked_format_as_a_download(client: TestClient, people: Any,
                                                        fmt: str, media: str) -> None:
    response = client.get("/v1/exports", params={"resource": "users", "format": fmt})

    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.headers["content-disposition"] == f'attachment; filename="users.{fmt}"'
    if fmt == "csv":
        emails = [r["email"] for r in csv.DictReader(io.StringIO(response.text))]
    elif fmt == "ndjson":
        emails = [json.loads(line)["email"] for line in response.text.splitlines()]
    else:
        emails = [r["email"] for r in response.json()]
    assert sorted(emails) == ["bob@example.com", "jane@example.com", "john@example.com"]


def test_stream_keeps_only_matching_records_and_chosen_fields(client: TestClient,
                                                              articles: str) -> None:
    response = client.get("/v1/exports", params={
        "resource": "articles", "format": "ndjson", "status": "published",
        "createdAfter": "2024-01-01", "authorId": articles, "fields": "slug,status"})

    records = [json.loads(line) for line in response.text.splitlines()]
    assert records == [{"slug": "first-post", "status": "published"},
                       {"slug": "second-post", "status": "published"}]


def test_stream_is_refused_when_a_filter_value_is_bad(client: TestClient) -> None:
    response = client.get("/v1/exports", params={"resource": "articles", "status": "lost"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"


def test_export_job_writes_a_file_to_download(client: TestClient, articles: str) -> None:
    created = client.post("/v1/exports", json={
        "resourceType": "articles", "format": "json",
        "filters": {"status": "published", "createdAfter": "2024-01-01", "authorId": articles},
        "fields": ["id", "slug", "title", "status"]})

    assert created.status_code == 201, created.text
    assert created.json()["exportedRows"] == 0 and created.json()["format"] == "json"
    job = wait_for(client, created.headers["location"])
    assert job["status"] == "completed" and job["exportedRows"] == 2 and job["totalRows"] == 2
    assert job["downloadUrl"] == f"http://testserver.local/v1/exports/{job['id']}/download"
    assert job["expiresAt"] and job["fileSize"] == job["metrics"]["totalBytes"] > 0
    download = client.get(job["downloadUrl"])
    assert download.status_code == 200 and download.headers["content-type"] == "application/json"
    assert [r["slug"] for r in download.json()] == ["first-post", "second-post"]
    assert set(download.json()[0]) == {"id", "slug", "title", "status"}
    assert len(download.content) == job["fileSize"]


def test_export_jobs_are_listed_and_a_finished_one_cannot_be_cancelled(client: TestClient,
                                                                       people: Any) -> None:
    created = client.post("/v1/exports", json={"resourceType": "users", "format": "csv"})
    job = wait_for(client, created.headers["location"])

    listed = client.get("/v1/exports").json()

    assert [j["id"] for j in listed["items"]] == [job["id"]] and listed["nextCursor"] is None
    assert client.post(f"/v1/exports/{job['id']}/cancel").status_code == 409
    assert client.get(f"/v1/imports/{job['id']}").status_code == 404  # an export is no import
