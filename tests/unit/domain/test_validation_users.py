"""Users: email (valid, lowercased, the upsert key), name, role enum, active (default true), id."""

from __future__ import annotations

import pytest

from bulkio.domain.resources import ROLES, USERS
from bulkio.domain.rows import ErrorCode, RowError
from bulkio.domain.validation import unknown_columns

from .samples import USER_ID, accepted, check, only_error, user_row, without


def test_user_becomes_a_clean_record_when_every_field_is_valid() -> None:
    assert accepted(USERS, user_row()) == {
        "email": "john@example.com", "name": "John Doe", "role": "admin", "active": True,
    }


def test_email_is_lowercased_and_trimmed_when_given_in_mixed_case() -> None:
    assert accepted(USERS, user_row(email="  John.Doe@Example.COM "))["email"] == "john.doe@example.com"


@pytest.mark.parametrize("email", [
    "not-an-email", "john@", "@example.com", "john@example", "john doe@example.com",
    "john@@example.com", "john@example.", "john@exa mple.com",
])
def test_email_is_rejected_when_its_format_is_invalid(email: str) -> None:
    error = only_error(USERS, user_row(email=email))
    assert (error.field, error.code, error.value) == ("email", ErrorCode.INVALID_FORMAT, email)
    assert error.message == "Invalid email format"


@pytest.mark.parametrize("email", ["a@b.co", "first.last+tag@sub.example.org", "x_y@example.io"])
def test_email_is_accepted_when_its_format_is_valid(email: str) -> None:
    assert accepted(USERS, user_row(email=email))["email"] == email


def test_email_is_rejected_when_longer_than_254_characters() -> None:
    email = "a" * 243 + "@example.com"  # 255 characters
    assert only_error(USERS, user_row(email=email)).code is ErrorCode.TOO_LONG


@pytest.mark.parametrize("email", [True, ["john@example.com"], {"at": "example.com"}])
def test_email_is_rejected_when_it_is_not_text(email: object) -> None:
    assert only_error(USERS, user_row(email=email)).code is ErrorCode.INVALID_TYPE


@pytest.mark.parametrize("field", ["email", "name", "role"])
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_field_is_reported_when_blank(field: str, blank: object) -> None:
    error = only_error(USERS, user_row(**{field: blank}))
    assert (error.field, error.code, error.value) == (field, ErrorCode.REQUIRED, blank)


@pytest.mark.parametrize("field", ["email", "name", "role"])
def test_required_field_is_reported_when_its_column_is_missing(field: str) -> None:
    error = only_error(USERS, without(user_row(), field))
    assert (error.field, error.code, error.value) == (field, ErrorCode.REQUIRED, None)


def test_every_problem_of_a_row_is_reported_when_several_fields_are_wrong() -> None:
    checked = check(USERS, {"email": "bad", "role": "superuser", "active": "maybe"}, number=5)
    assert checked.record is None
    assert [(e.row, e.field, e.code) for e in checked.errors] == [
        (5, "email", ErrorCode.INVALID_FORMAT),
        (5, "name", ErrorCode.REQUIRED),
        (5, "role", ErrorCode.INVALID_ENUM),
        (5, "active", ErrorCode.INVALID_TYPE),
    ]


def test_error_carries_row_line_and_value_when_a_row_is_invalid() -> None:
    checked = check(USERS, user_row(email="bad-email"), number=7, line=9)
    assert checked.errors == (
        RowError(7, "email", ErrorCode.INVALID_FORMAT, "Invalid email format", "bad-email", 9),
    )
    assert checked.raw == user_row(email="bad-email")


@pytest.mark.parametrize("role", ROLES)
def test_role_is_accepted_when_it_is_one_of_the_five_roles(role: str) -> None:
    assert accepted(USERS, user_row(role=role))["role"] == role


@pytest.mark.parametrize("role", ["superuser", "root", "administrator", "admins", 1])
def test_role_is_rejected_when_it_is_not_one_of_the_roles(role: object) -> None:
    error = only_error(USERS, user_row(role=role))
    assert (error.field, error.code, error.value) == ("role", ErrorCode.INVALID_ENUM, role)
    assert "admin, manager, author, editor, reader" in error.message


def test_role_is_trimmed_when_padded_with_spaces() -> None:
    assert accepted(USERS, user_row(role=" editor "))["role"] == "editor"


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_active_is_left_out_when_blank(blank: object) -> None:
    # `active` cannot be cleared: a blank is no value, as if the column were absent.
    assert "active" not in accepted(USERS, user_row(active=blank))


def test_active_is_left_out_when_its_column_is_missing() -> None:
    assert "active" not in accepted(USERS, without(user_row(), "active"))


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("TRUE", True), ("True", True), ("1", True), ("yes", True), ("Y", True),
    ("t", True), (" true ", True), (True, True), (1, True),
    ("false", False), ("FALSE", False), ("0", False), ("no", False), ("N", False), ("f", False),
    (False, False), (0, False),
])
def test_active_is_read_as_a_boolean_when_given_as_text_or_json(raw: object, expected: bool) -> None:
    assert accepted(USERS, user_row(active=raw))["active"] is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "on", 2, 1.5, [], {"v": True}])
def test_active_is_rejected_when_it_is_not_a_boolean(raw: object) -> None:
    error = only_error(USERS, user_row(active=raw))
    assert (error.field, error.code, error.value) == ("active", ErrorCode.INVALID_TYPE, raw)


def test_name_is_accepted_when_exactly_255_characters() -> None:
    assert accepted(USERS, user_row(name="n" * 255))["name"] == "n" * 255


def test_name_is_rejected_when_longer_than_255_characters() -> None:
    error = only_error(USERS, user_row(name="n" * 256))
    assert (error.field, error.code) == ("name", ErrorCode.TOO_LONG)


@pytest.mark.parametrize("name", [{"first": "John"}, ["John"], True])
def test_name_is_rejected_when_it_is_not_text(name: object) -> None:
    assert only_error(USERS, user_row(name=name)).code is ErrorCode.INVALID_TYPE


@pytest.mark.parametrize("raw", [
    USER_ID, USER_ID.upper(), "{" + USER_ID + "}", USER_ID.replace("-", ""), f" {USER_ID} ",
    "urn:uuid:" + USER_ID,
])
def test_id_is_canonicalised_when_given_in_any_uuid_form(raw: str) -> None:
    assert accepted(USERS, user_row(id=raw))["id"] == USER_ID


@pytest.mark.parametrize("raw", ["123", "not-a-uuid", USER_ID[:-1], USER_ID + "0", 42])
def test_id_is_rejected_when_it_is_not_a_uuid(raw: object) -> None:
    error = only_error(USERS, user_row(id=raw))
    assert (error.field, error.code, error.value) == ("id", ErrorCode.INVALID_FORMAT, raw)


def test_id_is_left_out_when_not_given() -> None:
    assert "id" not in accepted(USERS, user_row(id=""))


@pytest.mark.parametrize(("column", "field", "raw", "clean"), [
    ("Email", "email", "jane@example.com", "jane@example.com"),
    ("EMAIL", "email", "jane@example.com", "jane@example.com"),
    ("E-mail", "email", "jane@example.com", "jane@example.com"),
    ("e_mail", "email", "jane@example.com", "jane@example.com"),
    (" Name ", "name", "Jane", "Jane"),
    ("ROLE", "role", "reader", "reader"),
    ("Active", "active", "no", False),
    ("ID", "id", USER_ID, USER_ID),
])
def test_column_matches_its_field_when_case_spaces_hyphens_or_underscores_differ(
    column: str, field: str, raw: str, clean: object
) -> None:
    row = without(user_row(), field) | {column: raw}
    assert accepted(USERS, row)[field] == clean


def test_error_report_columns_are_ignored_when_a_fixed_report_is_imported_again() -> None:
    row = user_row(_error_row="3", _error_field="email", _error_code="invalid_format",
                   _error_message="Invalid email format")
    assert set(accepted(USERS, row)) == {"email", "name", "role", "active"}


def test_unknown_columns_are_listed_when_they_match_no_field() -> None:
    columns = ["Email", "name", "Role", "nickname", "_error_row", "_error_message", "age", "is active"]
    assert unknown_columns(USERS, columns) == ["nickname", "age", "is active"]


def test_export_columns_are_not_unknown_when_an_exported_file_is_imported_again() -> None:
    # An export writes created_at and updated_at; they are bulkio's own columns, not unknown ones.
    assert unknown_columns(USERS, USERS.export_columns) == []


def test_unknown_columns_do_not_stop_a_row_when_they_are_present() -> None:
    assert accepted(USERS, user_row(nickname="JD"))["email"] == "john@example.com"


@pytest.mark.parametrize("spelling", [
    "Jose\u0301@example.com",  # e + combining acute accent (NFD, as some systems write text)
    "JOSE\u0301@EXAMPLE.COM",
    " jos\u00e9@example.com ",  # the composed character
])
def test_email_is_one_key_when_spelled_with_composed_or_decomposed_characters(spelling: str) -> None:
    assert accepted(USERS, user_row(email=spelling))["email"] == "jos\u00e9@example.com"
