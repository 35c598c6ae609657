"""The `delimiter` of an import over HTTP: documented in the OpenAPI schema, refused with a
problem naming the field and the value, ignored by NDJSON, and a wrong-shape file's reason."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from tests.e2e.conftest import SEED_CSV, SEED_NDJSON, upload, wait_for


def test_the_delimiter_is_documented_for_forms_json_bodies_and_raw_bodies(
    client: TestClient,
) -> None:
    spec = client.get("/api/openapi.json").json()
    create = spec["paths"]["/v1/imports"]["post"]
    bodies = create["requestBody"]["content"]
    for media in ("multipart/form-data", "application/json"):
        field = bodies[media]["schema"]["properties"]["delimiter"]
        assert (field["type"], field["minLength"], field["maxLength"]) == ("string", 1, 1)
        assert "sep=" in field["description"]
    (query,) = [p for p in create["parameters"] if p["name"] == "delimiter"]
    assert query["in"] == "query" and "Raw body uploads only" in query["description"]


@pytest.mark.parametrize("how", ["form", "json", "query"])
def test_a_bad_delimiter_is_a_422_naming_the_field_and_value_when_sent(
    client: TestClient, how: str,
) -> None:
    if how == "form":
        answer = upload(client, SEED_CSV, delimiter="\r")
    elif how == "json":
        answer = client.post("/v1/imports", json={"resourceType": "users", "delimiter": 9,
                                                  "fileUrl": "http://127.0.0.1/users.csv"})
    else:
        answer = client.post("/v1/imports", content=SEED_CSV,
                             params={"resourceType": "users", "delimiter": '"'},
                             headers={"Content-Type": "text/csv"})
    assert answer.status_code == 422, answer.text
    problem: dict[str, Any] = answer.json()
    assert problem["type"].endswith("/invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["delimiter"]
    shown = {"form": "'\\r'", "json": "9", "query": "'\"'"}[how]
    assert shown in problem["detail"]
    assert client.get("/v1/imports").json()["items"] == []


def test_ndjson_ignores_the_delimiter_when_one_is_given(client: TestClient) -> None:
    answer = upload(client, SEED_NDJSON, name="users.ndjson", delimiter=";")
    job = wait_for(client, f"/v1/imports/{answer.json()['id']}")
    assert (job["status"], job["createdRows"]) == ("completed", 3)


def test_a_wrong_shape_file_fails_with_its_reason_and_no_row_when_uploaded(
    client: TestClient,
) -> None:
    answer = upload(client, SEED_CSV.replace(b",", b"|"), delimiter=";")
    job = wait_for(client, f"/v1/imports/{answer.json()['id']}")
    assert job["status"] == "failed"
    assert "pass delimiter='|'" in job["failureReason"]
    assert (job["processedRows"], job["errorCount"], job["errors"]) == (0, 0, [])
