"""Readable literal rows for the domain tests: one valid row per resource, changed per test."""

from __future__ import annotations

from typing import Any

from bulkio.domain.resources import Resource
from bulkio.domain.rows import RowError, SourceRow
from bulkio.domain.validation import Checked, validate

USER_ID = "6fa459ea-ee8a-3ca4-894e-db77e160355e"
AUTHOR_ID = "0b9e6a5c-6d1f-4f0e-9a55-2f8c3c1d7e01"
ARTICLE_ID = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"
COMMENT_ID = "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
BODY = "Bulk imports move many records in one job without holding them in memory."


def words(count: int) -> str:
    """A text of exactly `count` words."""
    return " ".join(f"w{i}" for i in range(count))


def user_row(**changes: Any) -> dict[str, Any]:
    return {"email": "john@example.com", "name": "John Doe", "role": "admin", "active": "true"} | changes


def article_row(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "hello-world", "title": "Hello world", "body": BODY, "author_id": AUTHOR_ID,
        "tags": "news|tech", "status": "published", "published_at": "2024-01-15T10:30:00Z",
    } | changes


def comment_row(**changes: Any) -> dict[str, Any]:
    return {"article_id": ARTICLE_ID, "user_id": USER_ID, "body": "Nice article!"} | changes


def without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def check(resource: Resource, values: dict[str, Any], number: int = 1, line: int | None = None
          ) -> Checked:
    return validate(resource, SourceRow(number, values, line))


def accepted(resource: Resource, values: dict[str, Any]) -> dict[str, Any]:
    """The clean record of a row that must be valid."""
    checked = check(resource, values)
    assert checked.errors == (), checked.errors
    assert checked.record is not None
    return checked.record


def only_error(resource: Resource, values: dict[str, Any]) -> RowError:
    """The single error of a row that must be invalid in exactly one way."""
    checked = check(resource, values)
    assert checked.record is None
    assert len(checked.errors) == 1, checked.errors
    return checked.errors[0]
