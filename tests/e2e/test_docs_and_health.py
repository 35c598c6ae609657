"""The OpenAPI document, Swagger UI with an API-key Authorize button, and the health checks."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import jsonschema
from dependency_injector import providers
from litestar.testing import TestClient

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in ("get", "post", "delete")]


def test_openapi_declares_the_api_key_scheme_on_every_api_route(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()

    scheme = spec["components"]["securitySchemes"]["ApiKeyAuth"]
    assert scheme == {"type": "apiKey", "name": "X-API-Key", "in": "header",
                      "description": scheme["description"]}
    for path, method, op in operations(spec):
        if path.startswith("/v1/"):
            assert op.get("security") == [{"ApiKeyAuth": []}], (method, path)
            assert "401" in op["responses"], (method, path)


def test_openapi_documents_problem_responses(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    create = spec["paths"]["/v1/imports"]["post"]

    for status in ("400", "401", "409", "413", "415", "422"):
        assert "application/problem+json" in create["responses"][status]["content"], status
    assert set(create["requestBody"]["content"]) >= {"multipart/form-data", "application/json"}
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    export_params = {p["name"] for p in spec["paths"]["/v1/exports"]["get"]["parameters"]}
    assert {"resource", "format", "fields", "status", "createdAfter", "authorId"} <= export_params


def test_swagger_ui_is_served(client: TestClient) -> None:
    page = client.get("/api/docs")

    assert page.status_code == 200 and "swagger-ui" in page.text.lower()


def test_liveness_and_readiness_are_ok_when_everything_answers(tmp_path: Path) -> None:
    # Each check's bound is what the next test is about: here it is long enough that a loaded
    # machine (a CI run) answers within it, since only "ok" is at stake.
    container = build(Settings(data_dir=tmp_path / "data", health_timeout_ms=30_000))
    with TestClient(create_app(container), timeout=60) as client:
        assert client.get("/health/live").json() == {"status": "ok"}
        ready = client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "queue": "ok"}


def test_resource_schema_and_template_are_served(client: TestClient) -> None:
    schema = client.get("/v1/schemas/articles")
    template = client.get("/v1/schemas/users/template", params={"format": "csv"})

    assert schema.status_code == 200 and schema.json()["required"][0] == "slug"
    assert template.text.splitlines()[0] == "id,email,name,role,active"
    assert client.get("/v1/schemas/widgets").status_code == 422


class NeverAnswers:
    """Storage whose endpoint accepts the connection and never answers (a frozen server)."""

    def __init__(self, storage: Any) -> None:
        self._storage, self.released = storage, threading.Event()

    def ping(self) -> None:
        self.released.wait(60)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def test_readiness_answers_503_naming_the_check_that_did_not_answer_within_its_timeout(
    tmp_path: Path,
) -> None:
    container = build(Settings(data_dir=tmp_path / "data", health_timeout_ms=200))
    frozen = NeverAnswers(container.storage())
    container.storage.override(providers.Object(frozen))
    try:
        with TestClient(create_app(container), timeout=30) as client:
            ready = client.get("/health/ready")
            assert not frozen.released.is_set()  # the request returned while the ping hung
    finally:
        frozen.released.set()
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "ok", "storage": "failed: no answer within 0.2 s",
                                      "queue": "ok"}


def test_every_error_response_is_declared_as_the_problem_shape_on_every_route(
    client: TestClient,
) -> None:
    spec = client.get("/api/openapi.json").json()

    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert "errors" in problem["properties"]
    for path, method, op in operations(spec):
        if not path.startswith("/v1/"):
            continue
        for status, response in op["responses"].items():
            if status[0] in "45":
                assert response["content"] == {"application/problem+json": {"schema": {
                    "$ref": "#/components/schemas/Problem"}}}, (method, path, status)


def test_real_error_answers_match_the_declared_problem_schema(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schema = {**spec["components"]["schemas"]["Problem"], "components": spec["components"]}
    missing = "00000000-0000-0000-0000-000000000000"
    answers = [
        client.get("/v1/imports", headers={"X-API-Key": "wrong"}),
        client.get(f"/v1/imports/{missing}"),
        client.get(f"/v1/imports/{missing}/errors", params={"offset": "-1"}),
        client.get("/v1/schemas/widgets"),
        client.post("/v1/imports", content=b"{", headers={"Content-Type": "application/json"}),
        client.get("/v1/schemas/users/template", params={"format": "xml"}),
    ]

    assert sorted(a.status_code for a in answers) == [400, 401, 404, 415, 422, 422]
    for answer in answers:
        assert answer.headers["content-type"] == "application/problem+json"
        jsonschema.validate(answer.json(), schema)


def test_docs_pages_load_every_script_and_style_from_this_server(client: TestClient) -> None:
    for page in ("/api/docs", "/api/redoc"):
        html = client.get(page).text
        assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)

        assert assets, page
        for url in assets:
            assert url.startswith("/api/assets/"), (page, url)
            assert client.get(url).status_code == 200, url
        assert "https://" not in html and "http://" not in html, page
