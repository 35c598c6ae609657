"""Field kinds on their own, and the resource declarations they are assembled into."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulkio.domain.errors import UnknownField, UnknownResource
from bulkio.domain.errors import FieldProblem
from bulkio.domain.fields import Boolean, Choice, Pattern, TagList, Text, Timestamp, Uuid
from bulkio.domain.resources import ARTICLES, COMMENTS, RESOURCES, USERS, resource_named
from bulkio.domain.rows import ErrorCode, MalformedRow, RowError
from bulkio.domain.validation import canonical


def problem(kind: object, raw: object) -> ErrorCode:
    with pytest.raises(FieldProblem) as caught:
        kind.clean(raw)  # type: ignore[attr-defined]
    return caught.value.code


def test_text_keeps_the_value_unchanged_when_it_is_a_string() -> None:
    assert Text().clean("  spaced  ") == "  spaced  "


@pytest.mark.parametrize(("raw", "expected"), [(42, "42"), (1.5, "1.5")])
def test_text_reads_a_number_as_text_when_given_json_numbers(raw: object, expected: str) -> None:
    assert Text().clean(raw) == expected


@pytest.mark.parametrize("raw", [True, None, [], {}])
def test_text_is_rejected_when_not_a_string_or_number(raw: object) -> None:
    assert problem(Text(), raw) is ErrorCode.INVALID_TYPE


def test_text_is_rejected_when_over_its_length() -> None:
    assert Text(max_length=3).clean("abc") == "abc"
    assert problem(Text(max_length=3), "abcd") is ErrorCode.TOO_LONG


def test_text_counts_words_when_word_bounds_are_set() -> None:
    kind = Text(min_words=2, max_words=3)
    assert kind.clean("a b") == "a b"
    assert kind.clean("a b c") == "a b c"
    assert problem(kind, "a") is ErrorCode.TOO_SHORT
    assert problem(kind, "a b c d") is ErrorCode.TOO_LONG


def test_pattern_lowercases_before_matching_when_asked() -> None:
    assert Pattern(r"[a-z]+", "word", lowercase=True).clean(" ABC ") == "abc"
    assert problem(Pattern(r"[a-z]+", "word"), "ABC") is ErrorCode.INVALID_FORMAT


def test_pattern_is_rejected_when_over_its_length() -> None:
    assert problem(Pattern(r"a+", "a", max_length=2), "aaa") is ErrorCode.TOO_LONG


def test_uuid_is_rejected_when_it_is_a_boolean() -> None:
    assert problem(Uuid(), True) is ErrorCode.INVALID_TYPE


def test_choice_is_rejected_when_the_value_is_not_listed() -> None:
    assert Choice(("a", "b"), "letter").clean("b") == "b"
    with pytest.raises(FieldProblem, match="Invalid letter: must be one of a, b"):
        Choice(("a", "b"), "letter").clean("c")


def test_boolean_is_rejected_when_blank_text() -> None:
    assert problem(Boolean(), "") is ErrorCode.INVALID_TYPE


def test_timestamp_is_midnight_utc_when_only_a_date() -> None:
    assert Timestamp().clean("2024-02-29") == datetime(2024, 2, 29, tzinfo=UTC)


def test_timestamp_is_rejected_when_the_day_does_not_exist() -> None:
    assert problem(Timestamp(), "2023-02-29") is ErrorCode.INVALID_FORMAT


def test_taglist_honours_its_limits_when_configured_smaller() -> None:
    kind = TagList(max_items=2, max_length=3)
    assert kind.clean("abc|de") == ("abc", "de")
    assert problem(kind, "a|b|c") is ErrorCode.TOO_LONG
    assert problem(kind, "abcd") is ErrorCode.INVALID_FORMAT


@pytest.mark.parametrize(("column", "form"), [
    ("Author ID", "authorid"), ("authorId", "authorid"), ("author_id", "authorid"),
    ("AUTHOR-ID", "authorid"), ("\tpublished at", "publishedat"),
])
def test_column_names_compare_equal_when_case_spaces_hyphens_underscores_differ(
    column: str, form: str
) -> None:
    assert canonical(column) == form


def test_resources_are_found_by_name_when_known() -> None:
    assert [resource_named(n) for n in ("users", "articles", "comments")] == [USERS, ARTICLES, COMMENTS]
    assert set(RESOURCES) == {"users", "articles", "comments"}


def test_resource_lookup_fails_when_the_name_is_unknown() -> None:
    with pytest.raises(UnknownResource, match="must be one of users, articles, comments"):
        resource_named("posts")


def test_field_lookup_fails_when_the_resource_has_no_such_field() -> None:
    assert USERS.field("email").required
    with pytest.raises(UnknownField):
        USERS.field("password")


@pytest.mark.parametrize(("resource", "key"), [(USERS, "email"), (ARTICLES, "slug"), (COMMENTS, "id")])
def test_upsert_key_is_the_seed_key_when_declared(resource: object, key: str) -> None:
    assert resource.key == key  # type: ignore[attr-defined]


def test_declared_fields_are_those_of_the_seed_when_listed() -> None:
    assert USERS.field_names == ("id", "email", "name", "role", "active")
    assert ARTICLES.field_names == (
        "id", "slug", "title", "body", "author_id", "tags", "status", "published_at")
    assert COMMENTS.field_names == ("id", "article_id", "user_id", "body")


def test_export_columns_add_timestamps_when_derived_from_fields() -> None:
    assert USERS.export_columns == ("id", "email", "name", "role", "active", "created_at", "updated_at")


def test_references_point_at_users_and_articles_when_declared() -> None:
    assert [(r.field, r.resource) for r in ARTICLES.references] == [("author_id", "users")]
    assert [(r.field, r.resource) for r in COMMENTS.references] == [
        ("article_id", "articles"), ("user_id", "users")]
    assert USERS.references == ()


def test_malformed_row_becomes_a_row_error_when_reported() -> None:
    bad = MalformedRow(number=4, message="Unterminated quote", raw='"abc', line=6)
    assert bad.error() == RowError(4, None, ErrorCode.MALFORMED_ROW, "Unterminated quote", '"abc', 6)


@pytest.mark.parametrize("kind", [Text(), Pattern(r".+", "anything"), Choice(("a\x00",), "x"),
                                  TagList(), Timestamp()], ids=lambda k: type(k).__name__)
@pytest.mark.parametrize("text", ["a\x00b", "\x00", "\ud800", "x\udfff"])
def test_nul_and_lone_surrogates_are_refused_when_a_field_cleans_text(kind, text: str) -> None:
    with pytest.raises(FieldProblem) as problem:
        kind.clean([text] if isinstance(kind, TagList) else text)
    assert problem.value.code is ErrorCode.INVALID_CHARACTER


def test_other_control_characters_are_kept_when_a_text_field_cleans_them() -> None:
    assert Text().clean("tab\there\x07\x1b") == "tab\there\x07\x1b"


def test_a_number_too_long_to_write_as_text_is_refused_when_text_is_expected() -> None:
    with pytest.raises(FieldProblem) as problem:
        Text().clean(10**5000)
    assert problem.value.code is ErrorCode.TOO_LONG


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_whose_offset_leaves_the_calendar_is_refused_when_read_in_utc(text: str) -> None:
    with pytest.raises(FieldProblem) as problem:
        Timestamp().clean(text)
    assert problem.value.code is ErrorCode.INVALID_FORMAT


@pytest.mark.parametrize("text", ["0001-01-01", "0001-01-01T00:00:00-01:00", "9999-12-31T23:59:59Z"])
def test_a_time_at_the_calendars_ends_is_kept_when_it_fits_in_utc(text: str) -> None:
    assert Timestamp().clean(text).tzinfo is UTC


def test_a_deeply_nested_json_tags_cell_is_refused_when_read() -> None:
    with pytest.raises(FieldProblem) as problem:
        TagList().clean("[" * 100_000 + "]" * 100_000)
    assert problem.value.code is ErrorCode.INVALID_FORMAT
