"""Comments: article and user references as UUIDs, a body of at most 10,000 characters."""

from __future__ import annotations

import pytest

from bulkio.domain.resources import COMMENTS
from bulkio.domain.rows import ErrorCode
from bulkio.domain.validation import unknown_columns

from .samples import ARTICLE_ID, COMMENT_ID, USER_ID, accepted, check, comment_row, only_error, without


def test_comment_becomes_a_clean_record_when_every_field_is_valid() -> None:
    assert accepted(COMMENTS, comment_row(id=COMMENT_ID)) == {
        "id": COMMENT_ID, "article_id": ARTICLE_ID, "user_id": USER_ID, "body": "Nice article!",
    }


def test_comment_id_is_left_out_when_not_given() -> None:
    assert "id" not in accepted(COMMENTS, comment_row())


def test_body_is_accepted_when_exactly_10000_characters() -> None:
    assert len(accepted(COMMENTS, comment_row(body="c" * 10_000))["body"]) == 10_000


def test_body_is_rejected_when_10001_characters() -> None:
    error = only_error(COMMENTS, comment_row(body="c" * 10_001))
    assert (error.field, error.code) == ("body", ErrorCode.TOO_LONG)
    assert error.message == "Must be at most 10,000 characters"


def test_body_length_counts_characters_not_bytes_when_text_is_multibyte() -> None:
    assert len(accepted(COMMENTS, comment_row(body="é" * 10_000))["body"]) == 10_000


def test_body_is_accepted_when_it_is_a_single_word() -> None:
    assert accepted(COMMENTS, comment_row(body="+1"))["body"] == "+1"


@pytest.mark.parametrize("field", ["article_id", "user_id", "body"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_field_is_reported_when_blank(field: str, blank: object) -> None:
    error = only_error(COMMENTS, comment_row(**{field: blank}))
    assert (error.field, error.code, error.value) == (field, ErrorCode.REQUIRED, blank)


@pytest.mark.parametrize("field", ["article_id", "user_id", "body"])
def test_required_field_is_reported_when_its_column_is_missing(field: str) -> None:
    assert only_error(COMMENTS, without(comment_row(), field)).code is ErrorCode.REQUIRED


@pytest.mark.parametrize("field", ["id", "article_id", "user_id"])
@pytest.mark.parametrize("raw", ["abc", "12345", "6fa459ea-ee8a-3ca4-894e", 7])
def test_id_field_is_rejected_when_it_is_not_a_uuid(field: str, raw: object) -> None:
    error = only_error(COMMENTS, comment_row(**{field: raw}))
    assert (error.field, error.code, error.value) == (field, ErrorCode.INVALID_FORMAT, raw)


@pytest.mark.parametrize(("field", "canonical_id"), [
    ("id", COMMENT_ID), ("article_id", ARTICLE_ID), ("user_id", USER_ID),
])
def test_id_field_is_canonicalised_when_given_in_upper_case_or_braces(field: str, canonical_id: str) -> None:
    assert accepted(COMMENTS, comment_row(**{field: canonical_id.upper()}))[field] == canonical_id
    assert accepted(COMMENTS, comment_row(**{field: "{" + canonical_id + "}"}))[field] == canonical_id


@pytest.mark.parametrize("raw", [True, ["x"], {"id": "x"}])
def test_id_field_is_rejected_when_it_is_not_text(raw: object) -> None:
    assert only_error(COMMENTS, comment_row(article_id=raw)).code is ErrorCode.INVALID_TYPE


@pytest.mark.parametrize(("article_col", "user_col"), [
    ("Article ID", "User ID"), ("articleId", "userId"), ("ARTICLE_ID", "USER-ID"),
])
def test_reference_columns_are_matched_when_named_in_another_style(article_col: str, user_col: str) -> None:
    row = {article_col: ARTICLE_ID, user_col: USER_ID, "Body": "Nice"}
    record = accepted(COMMENTS, row)
    assert (record["article_id"], record["user_id"], record["body"]) == (ARTICLE_ID, USER_ID, "Nice")


def test_every_missing_field_is_reported_when_the_row_is_empty() -> None:
    checked = check(COMMENTS, {}, number=3)
    assert [(e.row, e.field, e.code) for e in checked.errors] == [
        (3, "article_id", ErrorCode.REQUIRED), (3, "user_id", ErrorCode.REQUIRED),
        (3, "body", ErrorCode.REQUIRED),
    ]


def test_unknown_columns_are_listed_when_they_match_no_comment_field() -> None:
    columns = ["id", "articleId", "userId", "body", "rating", "_error_row", "_error_field"]
    assert unknown_columns(COMMENTS, columns) == ["rating"]
