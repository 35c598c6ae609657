"""One table maps the domain's error tree to problem details; anything else is a logged 500."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from bulkio.domain import errors
from bulkio.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from bulkio.entrypoints.http.problems import (
    EXCEPTION_HANDLERS,
    PROBLEM_JSON,
    TYPE_BASE,
    invalid,
    statuses,
)

CASES = [
    (errors.UnknownResource("no widgets"), 422, "unknown-resource"),
    (errors.UnknownField("no nickname"), 422, "unknown-field"),
    (errors.UnsupportedFormat("xml"), 415, "unsupported-format"),
    (errors.TooLarge("too big"), 413, "too-large"),
    (errors.EmptySource("empty"), 422, "empty-file"),
    (errors.InvalidRequest("bad"), 422, "invalid-request"),
    (errors.SourceUnreadable("gzip broken"), 422, "unreadable-file"),
    (errors.NotFound("no job"), 404, "not-found"),
    (errors.InvalidTransition("ended"), 409, "invalid-transition"),
    (errors.StaleJob("moved"), 409, "conflict"),
    (errors.Conflict("clash"), 409, "conflict"),
    (errors.Unavailable("db down"), 503, "unavailable"),
    (IdempotencyKeyReused("other body"), 422, "idempotency-key-reused"),
    (IdempotencyKeyInFlight("running"), 409, "idempotency-key-in-flight"),
]


def app_raising(exc: Exception) -> Litestar:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise exc

    return Litestar([boom], exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
                   logging_config=None)


@pytest.mark.parametrize(("exc", "status", "slug"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_domain_error_becomes_its_problem(exc: Exception, status: int, slug: str) -> None:
    with TestClient(app_raising(exc)) as client:
        response = client.get("/boom")

    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {"type": TYPE_BASE + slug, "title": response.json()["title"],
                               "status": status, "detail": str(exc), "instance": "/boom"}


def test_field_errors_are_listed_when_the_request_names_them() -> None:
    with TestClient(app_raising(invalid("resourceType", "resourceType is required"))) as client:
        body = client.get("/boom").json()

    assert body["errors"] == [{"field": "resourceType", "message": "resourceType is required"}]


def test_bug_is_a_bare_500_without_its_trace_when_unexpected(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "bulkio.http"), \
            TestClient(app_raising(KeyError("secret internals"))) as client:
        response = client.get("/boom")

    assert response.status_code == 500
    assert response.json()["type"] == TYPE_BASE + "internal"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret internals" in caplog.text


def test_statuses_name_each_status_a_route_may_answer_with_the_errors_it_covers() -> None:
    described = statuses(errors.NotFound, errors.InvalidRequest)

    assert sorted(described) == [401, 404, 422]  # 401: every route sits behind the key guard
    assert "Unknown resource" in described[422] and "Idempotency-Key reused" in described[422]
    assert "Upload too large" not in described[422]  # a subclass with a status of its own
