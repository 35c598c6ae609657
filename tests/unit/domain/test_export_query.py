"""An export request checked against the resource declaration: filters, values and columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulkio.domain.errors import InvalidRequest, UnknownField
from bulkio.domain.queries import Condition, ExportQuery
from bulkio.domain.resources import ARTICLES, COMMENTS, USERS

from .samples import ARTICLE_ID, AUTHOR_ID


def test_columns_default_to_the_export_columns_when_no_fields_are_chosen() -> None:
    query = ExportQuery.build(USERS)
    assert query.columns == ("id", "email", "name", "role", "active", "created_at", "updated_at")
    assert query.conditions == ()


def test_columns_default_to_the_export_columns_when_the_field_list_is_empty() -> None:
    assert ExportQuery.build(ARTICLES, fields=[]).columns == ARTICLES.export_columns


def test_chosen_columns_keep_their_order_when_fields_are_given() -> None:
    query = ExportQuery.build(ARTICLES, fields=["title", "id", "slug", "created_at"])
    assert query.columns == ("title", "id", "slug", "created_at")


@pytest.mark.parametrize("column", ["password", "author", "authorId", "Email"])
def test_export_is_refused_when_a_chosen_field_is_unknown(column: str) -> None:
    resource = ARTICLES if column.startswith("author") else USERS
    with pytest.raises(UnknownField, match=repr(column)):
        ExportQuery.build(resource, fields=["id", column])


@pytest.mark.parametrize(("resource", "name"), [
    (USERS, "status"), (USERS, "name"), (ARTICLES, "author_id"), (COMMENTS, "body"), (USERS, "Role"),
])
def test_export_is_refused_when_a_filter_is_unknown(resource: object, name: str) -> None:
    with pytest.raises(UnknownField, match="cannot be filtered by"):
        ExportQuery.build(resource, filters={name: "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize(("resource", "filters"), [
    (USERS, {"role": "superuser"}),
    (USERS, {"active": "maybe"}),
    (USERS, {"email": "not-an-email"}),
    (ARTICLES, {"status": "deleted"}),
    (ARTICLES, {"authorId": "user-uuid-here"}),
    (ARTICLES, {"createdAfter": "last tuesday"}),
    (COMMENTS, {"createdBefore": "2024-13-45"}),
    (COMMENTS, {"articleId": "42"}),
])
def test_export_is_refused_when_a_filter_value_is_invalid(resource: object, filters: dict) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ExportQuery.build(resource, filters=filters)  # type: ignore[arg-type]
    assert type(caught.value) is InvalidRequest
    name = next(iter(filters))
    assert f"filter {name}" in str(caught.value)


def test_created_after_is_a_utc_lower_bound_when_given_a_date() -> None:
    query = ExportQuery.build(ARTICLES, filters={"createdAfter": "2024-01-01"})
    assert query.conditions == (Condition("created_at", "gte", datetime(2024, 1, 1, tzinfo=UTC)),)


def test_created_after_is_converted_to_utc_when_given_with_an_offset() -> None:
    (condition,) = ExportQuery.build(USERS, filters={"createdAfter": "2024-01-01T02:00:00+02:00"}).conditions
    assert condition.value == datetime(2024, 1, 1, tzinfo=UTC)
    assert condition.value.utcoffset().total_seconds() == 0


def test_created_before_is_an_exclusive_upper_bound_when_given() -> None:
    (condition,) = ExportQuery.build(COMMENTS, filters={"createdBefore": "2024-02-01T00:00:00Z"}).conditions
    assert condition == Condition("created_at", "lt", datetime(2024, 2, 1, tzinfo=UTC))


def test_filter_values_are_cleaned_like_imported_values_when_given_as_text() -> None:
    query = ExportQuery.build(USERS, filters={"role": "admin", "active": "false",
                                              "email": "John@Example.com"})
    assert query.conditions == (
        Condition("role", "eq", "admin"), Condition("active", "eq", False),
        Condition("email", "eq", "john@example.com"),
    )


def test_public_filter_names_read_their_fields_when_given_in_camel_case() -> None:
    query = ExportQuery.build(ARTICLES, filters={"status": "published", "authorId": AUTHOR_ID.upper()})
    assert query.conditions == (
        Condition("status", "eq", "published"), Condition("author_id", "eq", AUTHOR_ID))
    (condition,) = ExportQuery.build(COMMENTS, filters={"articleId": ARTICLE_ID}).conditions
    assert condition == Condition("article_id", "eq", ARTICLE_ID)


@pytest.mark.parametrize("empty", [None, ""])
def test_filter_is_ignored_when_its_value_is_empty(empty: object) -> None:
    assert ExportQuery.build(USERS, filters={"role": empty, "createdAfter": empty}).conditions == ()


def test_an_email_filter_is_normalized_like_the_stored_key_when_spelled_decomposed() -> None:
    query = ExportQuery.build(USERS, {"email": " JOSE\u0301@Example.com"})
    assert [c.value for c in query.conditions] == ["jos\u00e9@example.com"]
