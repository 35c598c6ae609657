"""Fields a row does not carry: left as stored on update, defaults only on create."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bulkio.domain.resources import ARTICLES, USERS
from bulkio.domain.rows import ErrorCode
from bulkio.domain.upsert import Stored
from bulkio.domain.validation import Checked

from .samples import AUTHOR_ID, USER_ID, accepted, article_row, without
from .test_upsert_policy import EARLIER_JOB, counts, plan, stored_user

PUBLISHED = datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
ARTICLE_KEY = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b"


def row(resource: Any, values: dict[str, Any], number: int = 1) -> Checked:
    return Checked(number, accepted(resource, values), (), values)


def stored_article(**changes: Any) -> Stored:
    record = {"id": ARTICLE_KEY, "slug": "hello-world", "title": "Hello world",
              "body": article_row()["body"], "author_id": AUTHOR_ID, "tags": ("news", "tech"),
              "status": "published", "published_at": PUBLISHED} | changes
    return Stored(record, EARLIER_JOB)


def test_an_update_leaves_active_as_stored_when_the_row_has_no_active_column() -> None:
    disabled = stored_user("a@example.com", USER_ID, name="Ann", role="reader", active=False)
    result = plan(USERS, [row(USERS, {"email": "a@example.com", "name": "Ann B", "role": "reader"})],
                  [disabled])
    assert counts(result) == (0, 1, 0, 0)
    assert result.writes == ({"id": USER_ID, "email": "a@example.com", "name": "Ann B",
                              "role": "reader"},)


def test_a_row_is_skipped_when_every_field_it_carries_equals_the_stored_record() -> None:
    disabled = stored_user("a@example.com", USER_ID, name="Ann", role="reader", active=False)
    result = plan(USERS, [row(USERS, {"email": "a@example.com", "name": "Ann", "role": "reader"})],
                  [disabled])
    assert (counts(result), result.writes) == ((0, 0, 1, 0), ())


def test_a_blank_active_cell_leaves_active_as_stored_when_updating() -> None:
    disabled = stored_user("a@example.com", USER_ID, active=False)
    values = {"email": "a@example.com", "name": "John Doe", "role": "admin", "active": ""}
    assert counts(plan(USERS, [row(USERS, values)], [disabled])) == (0, 0, 1, 0)


def test_a_create_leaves_defaults_to_the_store_when_the_row_is_silent() -> None:
    result = plan(USERS, [row(USERS, {"email": "a@example.com", "name": "Ann", "role": "reader"})])
    assert counts(result) == (1, 0, 0, 0)
    assert "active" not in result.writes[0]
    assert {**USERS.defaults, **result.writes[0]}["active"] is True


def test_an_article_keeps_its_tags_and_date_when_the_row_has_neither_column() -> None:
    values = without(article_row(title="New title"), "tags", "published_at")
    result = plan(ARTICLES, [row(ARTICLES, values)], [stored_article()])
    assert counts(result) == (0, 1, 0, 0)
    assert "tags" not in result.writes[0] and "published_at" not in result.writes[0]


def test_an_article_is_skipped_when_reimported_without_tags_and_date_unchanged() -> None:
    values = without(article_row(), "tags", "published_at")
    assert counts(plan(ARTICLES, [row(ARTICLES, values)], [stored_article()])) == (0, 0, 1, 0)


def test_tags_are_cleared_when_the_cell_is_empty_and_the_column_is_carried() -> None:
    result = plan(ARTICLES, [row(ARTICLES, article_row(tags=""))], [stored_article()])
    assert counts(result) == (0, 1, 0, 0)
    assert result.writes[0]["tags"] == ()


def test_a_published_date_is_cleared_when_null_and_the_article_becomes_a_draft() -> None:
    values = article_row(status="draft", published_at=None)
    result = plan(ARTICLES, [row(ARTICLES, values)], [stored_article()])
    assert counts(result) == (0, 1, 0, 0)
    assert result.writes[0]["published_at"] is None


def test_a_new_published_article_without_a_date_is_refused_by_the_plan() -> None:
    values = without(article_row(), "published_at")
    result = plan(ARTICLES, [row(ARTICLES, values, number=4)])
    assert counts(result) == (0, 0, 0, 1)
    (error,) = result.errors
    assert (error.row, error.field, error.code) == (4, "published_at", ErrorCode.REQUIRED)


def test_a_stored_published_article_turned_draft_without_clearing_its_date_is_refused() -> None:
    values = without(article_row(status="draft"), "published_at")
    result = plan(ARTICLES, [row(ARTICLES, values)], [stored_article()])
    assert [(e.field, e.code) for e in result.errors] == [("published_at", ErrorCode.INCONSISTENT)]


def test_rows_of_one_key_apply_in_order_when_they_carry_different_fields() -> None:
    first = {"email": "a@example.com", "name": "Ann", "role": "reader", "active": "false"}
    second = {"email": "a@example.com", "name": "Ann B", "role": "reader"}
    result = plan(USERS, [row(USERS, first, 1), row(USERS, second, 2)])
    assert counts(result) == (1, 0, 1, 0)
    assert result.writes == ({"id": "new-0001", "email": "a@example.com", "name": "Ann B",
                              "role": "reader", "active": False},)
