"""Articles: kebab-case slug, body of 10..50,000 words, author reference, tags, status and
published_at (required when published, forbidden for drafts, free for archived)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bulkio.domain.resources import ARTICLES
from bulkio.domain.rows import ErrorCode
from bulkio.domain.validation import unknown_columns

from .samples import AUTHOR_ID, accepted, article_row, check, only_error, without, words


def test_article_becomes_a_clean_record_when_every_field_is_valid() -> None:
    record = accepted(ARTICLES, article_row())
    assert record == {
        "slug": "hello-world", "title": "Hello world", "body": article_row()["body"],
        "author_id": AUTHOR_ID, "tags": ("news", "tech"), "status": "published",
        "published_at": datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
    }


@pytest.mark.parametrize("slug", ["hello", "hello-world", "a1-b2-3", "2024-recap", " hello-world "])
def test_slug_is_accepted_when_kebab_case(slug: str) -> None:
    assert accepted(ARTICLES, article_row(slug=slug))["slug"] == slug.strip()


@pytest.mark.parametrize("slug", [
    "Hello-World", "hello_world", "hello world", "-hello", "hello-", "hello--world", "héllo",
    "hello.world", "hello/world",
])
def test_slug_is_rejected_when_not_kebab_case(slug: str) -> None:
    error = only_error(ARTICLES, article_row(slug=slug))
    assert (error.field, error.code, error.value) == ("slug", ErrorCode.INVALID_FORMAT, slug)


def test_slug_is_rejected_when_longer_than_255_characters() -> None:
    assert only_error(ARTICLES, article_row(slug="a" * 256)).code is ErrorCode.TOO_LONG


@pytest.mark.parametrize("field", ["slug", "title", "body", "author_id", "status"])
@pytest.mark.parametrize("blank", [None, "", " "])
def test_required_field_is_reported_when_blank(field: str, blank: object) -> None:
    checked = check(ARTICLES, article_row(**{field: blank}))
    assert [(e.field, e.code) for e in checked.errors] == [(field, ErrorCode.REQUIRED)]


def test_body_is_rejected_when_it_has_9_words() -> None:
    error = only_error(ARTICLES, article_row(body=words(9)))
    assert (error.field, error.code) == ("body", ErrorCode.TOO_SHORT)
    assert error.message == "Must have at least 10 words (has 9)"


def test_body_is_accepted_when_it_has_10_words() -> None:
    assert accepted(ARTICLES, article_row(body=words(10)))["body"] == words(10)


def test_body_is_accepted_when_it_has_50000_words() -> None:
    assert len(accepted(ARTICLES, article_row(body=words(50_000)))["body"].split()) == 50_000


def test_body_is_rejected_when_it_has_50001_words() -> None:
    error = only_error(ARTICLES, article_row(body=words(50_001)))
    assert (error.field, error.code) == ("body", ErrorCode.TOO_LONG)
    assert error.message == "Must have at most 50,000 words (has 50,001)"


def test_body_words_are_counted_across_lines_and_tabs_when_whitespace_varies() -> None:
    body = "one two\nthree\tfour  five\r\nsix seven eight nine ten"
    assert accepted(ARTICLES, article_row(body=body))["body"] == body


def test_title_is_rejected_when_longer_than_500_characters() -> None:
    assert only_error(ARTICLES, article_row(title="t" * 501)).code is ErrorCode.TOO_LONG


@pytest.mark.parametrize("raw", [AUTHOR_ID.upper(), "{" + AUTHOR_ID + "}", AUTHOR_ID.replace("-", "")])
def test_author_id_is_canonicalised_when_given_in_another_uuid_form(raw: str) -> None:
    assert accepted(ARTICLES, article_row(author_id=raw))["author_id"] == AUTHOR_ID


@pytest.mark.parametrize("raw", ["user-uuid-here", "42", AUTHOR_ID[:-2]])
def test_author_id_is_rejected_when_it_is_not_a_uuid(raw: str) -> None:
    error = only_error(ARTICLES, article_row(author_id=raw))
    assert (error.field, error.code, error.value) == ("author_id", ErrorCode.INVALID_FORMAT, raw)


@pytest.mark.parametrize("column", ["Author ID", "authorId", "AUTHOR_ID", "author-id", "authorid"])
def test_author_id_column_is_matched_when_named_in_another_style(column: str) -> None:
    row = without(article_row(), "author_id") | {column: AUTHOR_ID}
    assert accepted(ARTICLES, row)["author_id"] == AUTHOR_ID


@pytest.mark.parametrize("column", ["Published At", "publishedAt", "PUBLISHED_AT"])
def test_published_at_column_is_matched_when_named_in_another_style(column: str) -> None:
    row = without(article_row(), "published_at") | {column: "2024-01-15"}
    assert accepted(ARTICLES, row)["published_at"] == datetime(2024, 1, 15, tzinfo=UTC)


@pytest.mark.parametrize("status", ["draft", "published", "archived"])
def test_status_is_accepted_when_it_is_one_of_the_three(status: str) -> None:
    row = article_row(status=status, published_at=None if status == "draft" else "2024-01-15")
    assert accepted(ARTICLES, row)["status"] == status


@pytest.mark.parametrize("status", ["deleted", "public", "drafts", 1])
def test_status_is_rejected_when_unknown(status: object) -> None:
    error = only_error(ARTICLES, article_row(status=status))
    assert (error.field, error.code, error.value) == ("status", ErrorCode.INVALID_ENUM, status)


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_published_article_is_rejected_when_published_at_is_blank(blank: object) -> None:
    error = only_error(ARTICLES, article_row(published_at=blank))
    assert (error.field, error.code, error.value) == ("published_at", ErrorCode.REQUIRED, blank)
    assert error.message == "Published articles must have published_at"


def test_published_article_is_left_to_the_plan_when_published_at_column_is_missing() -> None:
    # The stored article may have a date: the upsert plan checks the rule on the whole record.
    assert "published_at" not in accepted(ARTICLES, without(article_row(), "published_at"))


def test_draft_is_rejected_when_it_has_published_at() -> None:
    error = only_error(ARTICLES, article_row(status="draft", published_at="2024-01-15"))
    assert (error.field, error.code, error.value) == ("published_at", ErrorCode.INCONSISTENT, "2024-01-15")
    assert error.message == "Draft articles cannot have published_at"


def test_draft_is_accepted_when_published_at_is_blank() -> None:
    assert accepted(ARTICLES, article_row(status="draft", published_at=""))["published_at"] is None


@pytest.mark.parametrize("published_at", ["2024-01-15", None])
def test_archived_article_is_accepted_when_published_at_is_given_or_not(published_at: str | None) -> None:
    record = accepted(ARTICLES, article_row(status="archived", published_at=published_at))
    assert record["published_at"] == (published_at and datetime(2024, 1, 15, tzinfo=UTC))


def test_status_rule_is_not_checked_when_the_status_itself_is_invalid() -> None:
    checked = check(ARTICLES, article_row(status="deleted", published_at=""))
    assert [(e.field, e.code) for e in checked.errors] == [("status", ErrorCode.INVALID_ENUM)]


@pytest.mark.parametrize(("raw", "expected"), [
    ("2024-01-15", datetime(2024, 1, 15, tzinfo=UTC)),
    ("2024-01-15T10:30:00Z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
    ("2024-01-15T10:30:00z", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
    ("2024-01-15T10:30:00.250Z", datetime(2024, 1, 15, 10, 30, 0, 250_000, tzinfo=UTC)),
    ("2024-01-15T10:30:00+02:00", datetime(2024, 1, 15, 8, 30, tzinfo=UTC)),
    ("2024-01-15T10:30:00-05:00", datetime(2024, 1, 15, 15, 30, tzinfo=UTC)),
    ("2024-01-15T10:30:00", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
    ("2024-01-15 10:30", datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
])
def test_published_at_is_read_as_utc_when_given_in_an_iso_form(raw: str, expected: datetime) -> None:
    published_at = accepted(ARTICLES, article_row(published_at=raw))["published_at"]
    assert published_at == expected
    assert published_at.utcoffset() == timedelta(0)
    assert published_at.tzinfo in (UTC, timezone.utc)


@pytest.mark.parametrize(("raw", "code"), [
    ("2024-02-30", ErrorCode.INVALID_FORMAT),
    ("15/01/2024", ErrorCode.INVALID_FORMAT),
    ("yesterday", ErrorCode.INVALID_FORMAT),
    ("2024-13-01", ErrorCode.INVALID_FORMAT),
    ("1705314600", ErrorCode.INVALID_FORMAT),
    (1705314600, ErrorCode.INVALID_FORMAT),
    (True, ErrorCode.INVALID_TYPE),
    (["2024-01-15"], ErrorCode.INVALID_TYPE),
])
def test_published_at_is_rejected_when_not_an_iso_date(raw: object, code: ErrorCode) -> None:
    error = only_error(ARTICLES, article_row(published_at=raw))
    assert (error.field, error.code, error.value) == ("published_at", code, raw)


@pytest.mark.parametrize(("raw", "expected"), [
    ("news|tech", ("news", "tech")),
    (" news | tech |", ("news", "tech")),
    ("solo", ("solo",)),
    ('["news","tech"]', ("news", "tech")),
    ('  ["a b", "c"] ', ("a b", "c")),
    ("[]", ()),
    (["news", "tech"], ("news", "tech")),
    ([], ()),
    ("", ()),
    (None, ()),
])
def test_tags_are_read_as_a_list_when_given_as_list_pipe_text_or_json_array(
    raw: object, expected: tuple[str, ...]
) -> None:
    assert accepted(ARTICLES, article_row(tags=raw))["tags"] == expected


def test_tags_are_absent_from_the_record_when_the_column_is_missing() -> None:
    assert "tags" not in accepted(ARTICLES, without(article_row(), "tags"))


@pytest.mark.parametrize("blank", ["", "  ", None, []])
def test_tags_are_cleared_when_the_cell_is_empty_or_null(blank: object) -> None:
    assert accepted(ARTICLES, article_row(tags=blank))["tags"] == ()


@pytest.mark.parametrize(("raw", "code"), [
    (5, ErrorCode.INVALID_TYPE),
    ({"tag": "news"}, ErrorCode.INVALID_TYPE),
    ('["news", 1]', ErrorCode.INVALID_TYPE),
    (["news", None], ErrorCode.INVALID_TYPE),
    ("[1, 2]", ErrorCode.INVALID_TYPE),
    ('["news", "tech"', ErrorCode.INVALID_FORMAT),
    (["a|b"], ErrorCode.INVALID_FORMAT),
    (["t" * 101], ErrorCode.INVALID_FORMAT),
    ([f"t{i}" for i in range(101)], ErrorCode.TOO_LONG),
])
def test_tags_are_rejected_when_of_a_bad_type_or_shape(raw: object, code: ErrorCode) -> None:
    error = only_error(ARTICLES, article_row(tags=raw))
    assert (error.field, error.code, error.value) == ("tags", code, raw)


def test_tags_are_accepted_when_100_tags_of_100_characters() -> None:
    tags = [f"{i:03d}" + "t" * 97 for i in range(100)]
    assert accepted(ARTICLES, article_row(tags=tags))["tags"] == tuple(tags)


def test_unknown_columns_are_listed_when_they_match_no_article_field() -> None:
    columns = ["Slug", "Title", "body", "Author ID", "tags", "status", "publishedAt", "category",
               "_error_code"]
    assert unknown_columns(ARTICLES, columns) == ["category"]
