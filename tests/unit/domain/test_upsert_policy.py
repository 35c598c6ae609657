"""The upsert policy of one batch: create, update, skip or refuse, and missing references."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from bulkio.domain.resources import ARTICLES, COMMENTS, USERS, Resource
from bulkio.domain.rows import ErrorCode
from bulkio.domain.upsert import BatchPlan, Stored, check_references, keys_of, plan_batch
from bulkio.domain.validation import Checked

from .samples import ARTICLE_ID, AUTHOR_ID, COMMENT_ID, USER_ID, accepted, article_row, comment_row

JOB = "job-2"
EARLIER_JOB = "job-1"
OTHER_ID = "11111111-1111-4111-8111-111111111111"


def ids() -> Callable[[], str]:
    """A deterministic id source: new-0001, new-0002, ..."""
    counter: Iterator[int] = iter(range(1, 10_000))
    return lambda: f"new-{next(counter):04d}"


def user(email: str, number: int = 1, **changes: Any) -> Checked:
    values = {"email": email, "name": "John Doe", "role": "admin", "active": "true"} | changes
    return Checked(number, accepted(USERS, values), (), values)


def stored_user(email: str, id: str, last_job: str | None = EARLIER_JOB, **changes: Any) -> Stored:
    record = {"id": id, "email": email, "name": "John Doe", "role": "admin", "active": True} | changes
    return Stored(record, last_job)


def plan(resource: Resource, rows: Sequence[Checked], stored: Sequence[Stored] = (),
         by_id: Sequence[Stored] = ()) -> BatchPlan:
    by_key = {s.record[resource.key]: s for s in stored}
    return plan_batch(resource, rows, by_key, {s.record["id"]: s for s in by_id}, JOB, ids())


def counts(result: BatchPlan) -> tuple[int, int, int, int]:
    return result.created, result.updated, result.skipped, len(result.errors)


def test_new_record_is_created_with_a_generated_id_when_no_id_is_given() -> None:
    result = plan(USERS, [user("john@example.com")])
    assert counts(result) == (1, 0, 0, 0)
    assert result.writes == ({"id": "new-0001", "email": "john@example.com", "name": "John Doe",
                              "role": "admin", "active": True},)


def test_new_record_keeps_its_id_when_one_is_given() -> None:
    result = plan(USERS, [user("john@example.com", id=USER_ID)])
    assert [w["id"] for w in result.writes] == [USER_ID]


def test_last_row_wins_and_earlier_ones_are_skipped_when_a_key_repeats_in_the_batch() -> None:
    rows = [user("john@example.com", 1, name="First"), user("jane@example.com", 2),
            user("John@Example.com", 3, name="Second"), user("john@example.com", 4, name="Third")]
    result = plan(USERS, rows)
    assert counts(result) == (2, 0, 2, 0)
    assert [(w["email"], w["name"]) for w in result.writes] == [
        ("jane@example.com", "John Doe"), ("john@example.com", "Third")]


def test_record_is_skipped_and_not_written_when_identical_to_the_stored_one() -> None:
    result = plan(USERS, [user("john@example.com")], [stored_user("john@example.com", USER_ID)])
    assert counts(result) == (0, 0, 1, 0)
    assert result.writes == ()


def test_record_is_updated_under_its_stored_id_when_a_field_differs() -> None:
    result = plan(USERS, [user("john@example.com", role="editor")],
                  [stored_user("john@example.com", USER_ID)])
    assert counts(result) == (0, 1, 0, 0)
    assert result.writes == ({"id": USER_ID, "email": "john@example.com", "name": "John Doe",
                              "role": "editor", "active": True},)


def test_row_is_skipped_and_not_written_when_this_job_already_wrote_the_same_record() -> None:
    result = plan(USERS, [user("john@example.com")], [stored_user("john@example.com", USER_ID, JOB)])
    assert counts(result) == (0, 0, 1, 0)
    assert result.writes == ()


def test_later_row_wins_but_counts_as_skipped_when_this_job_wrote_the_key_in_an_earlier_batch() -> None:
    result = plan(USERS, [user("john@example.com", 1001, name="Johnny")],
                  [stored_user("john@example.com", USER_ID, JOB)])
    assert counts(result) == (0, 0, 1, 0)
    assert [(w["id"], w["name"]) for w in result.writes] == [(USER_ID, "Johnny")]


def test_row_is_refused_when_its_id_belongs_to_another_email() -> None:
    owner = stored_user("jane@example.com", USER_ID)
    result = plan(USERS, [user("john@example.com", 4, id=USER_ID)], by_id=[owner])
    assert counts(result) == (0, 0, 0, 1)
    assert result.writes == ()
    error = result.errors[0]
    assert (error.row, error.field, error.code, error.value) == (4, "id", ErrorCode.UNIQUE_VIOLATION, USER_ID)
    assert "jane@example.com" in error.message


def test_row_is_refused_when_its_email_already_has_another_id() -> None:
    result = plan(USERS, [user("john@example.com", 2, id=OTHER_ID)],
                  [stored_user("john@example.com", USER_ID)])
    assert counts(result) == (0, 0, 0, 1)
    error = result.errors[0]
    assert (error.row, error.field, error.code, error.value) == (2, "id", ErrorCode.UNIQUE_VIOLATION, OTHER_ID)
    assert USER_ID in error.message


def test_row_is_accepted_when_its_id_matches_the_stored_record_of_its_email() -> None:
    result = plan(USERS, [user("john@example.com", id=USER_ID, name="John D.")],
                  [stored_user("john@example.com", USER_ID)], by_id=[stored_user("john@example.com", USER_ID)])
    assert counts(result) == (0, 1, 0, 0)


@pytest.mark.parametrize(("first", "second"), [
    ("john@example.com", "jane@example.com"), ("jane@example.com", "john@example.com"),
])
def test_later_row_is_refused_when_two_emails_of_the_batch_claim_the_same_id(first: str, second: str) -> None:
    # Same outcome as when the two rows fall into different batches: the first row in the file
    # takes the id, the later one is the conflict (whatever the alphabetical order of the emails).
    result = plan(USERS, [user(first, 1, id=USER_ID), user(second, 2, id=USER_ID)])
    assert counts(result) == (1, 0, 0, 1)
    assert [(w["email"], w["id"]) for w in result.writes] == [(first, USER_ID)]
    (error,) = result.errors
    assert (error.row, error.field, error.code, error.value) == (2, "id", ErrorCode.UNIQUE_VIOLATION, USER_ID)


def test_writes_are_sorted_by_key_when_rows_come_in_any_order() -> None:
    emails = ["mia@example.com", "ann@example.com", "zoe@example.com", "bob@example.com"]
    result = plan(USERS, [user(e, n) for n, e in enumerate(emails, 1)])
    assert [w["email"] for w in result.writes] == sorted(emails)


def test_articles_are_matched_by_slug_when_stored() -> None:
    row = Checked(1, accepted(ARTICLES, article_row(title="New title")), ())
    stored = Stored(accepted(ARTICLES, article_row()) | {"id": ARTICLE_ID}, EARLIER_JOB)
    result = plan(ARTICLES, [row], [stored])
    assert counts(result) == (0, 1, 0, 0)
    assert (result.writes[0]["id"], result.writes[0]["title"]) == (ARTICLE_ID, "New title")


def test_each_comment_gets_a_new_id_when_none_is_given() -> None:
    rows = [Checked(n, accepted(COMMENTS, comment_row(body="Same text")), ()) for n in (1, 2, 3)]
    result = plan(COMMENTS, rows)
    assert counts(result) == (3, 0, 0, 0)
    assert sorted(w["id"] for w in result.writes) == ["new-0001", "new-0002", "new-0003"]


def test_comment_is_updated_when_its_id_is_stored_with_another_body() -> None:
    row = Checked(1, accepted(COMMENTS, comment_row(id=COMMENT_ID, body="Edited")), ())
    stored = Stored(accepted(COMMENTS, comment_row(id=COMMENT_ID)), EARLIER_JOB)
    result = plan(COMMENTS, [row], [stored])
    assert counts(result) == (0, 1, 0, 0)
    assert result.writes[0]["body"] == "Edited"


def test_last_comment_wins_when_an_id_repeats_in_the_batch() -> None:
    rows = [Checked(n, accepted(COMMENTS, comment_row(id=COMMENT_ID, body=f"v{n}")), ()) for n in (1, 2)]
    result = plan(COMMENTS, rows)
    assert counts(result) == (1, 0, 1, 0)
    assert [w["body"] for w in result.writes] == ["v2"]


def test_keys_and_explicit_ids_are_collected_when_a_batch_asks_the_store() -> None:
    rows = [user("john@example.com", id=USER_ID), user("jane@example.com")]
    assert keys_of(USERS, rows) == ({"john@example.com", "jane@example.com"}, {USER_ID})


def test_comment_keys_are_their_ids_when_given() -> None:
    rows = [Checked(1, accepted(COMMENTS, comment_row(id=COMMENT_ID)), ()),
            Checked(2, accepted(COMMENTS, comment_row()), ())]
    assert keys_of(COMMENTS, rows) == ({COMMENT_ID}, {COMMENT_ID})


def test_row_passes_when_every_reference_exists() -> None:
    row = Checked(1, accepted(COMMENTS, comment_row()), ())
    ok, errors = check_references(COMMENTS, [row], {"article_id": {ARTICLE_ID}, "user_id": {USER_ID}})
    assert (ok, errors) == ([row], [])


def test_each_missing_reference_is_reported_when_its_record_does_not_exist() -> None:
    rows = [Checked(1, accepted(COMMENTS, comment_row()), ()),
            Checked(2, accepted(COMMENTS, comment_row(user_id=OTHER_ID)), ())]
    ok, errors = check_references(COMMENTS, rows, {"article_id": set(), "user_id": {USER_ID}})
    assert ok == []
    assert [(e.row, e.field, e.code, e.value) for e in errors] == [
        (1, "article_id", ErrorCode.REFERENCE_NOT_FOUND, ARTICLE_ID),
        (2, "article_id", ErrorCode.REFERENCE_NOT_FOUND, ARTICLE_ID),
        (2, "user_id", ErrorCode.REFERENCE_NOT_FOUND, OTHER_ID),
    ]
    assert errors[0].message == "article_id must reference an existing article"
    assert errors[2].message == "user_id must reference an existing user"


def test_article_is_refused_when_its_author_does_not_exist() -> None:
    row = Checked(3, accepted(ARTICLES, article_row()), ())
    ok, errors = check_references(ARTICLES, [row], {})
    assert ok == []
    assert [(e.row, e.field, e.code, e.value) for e in errors] == [
        (3, "author_id", ErrorCode.REFERENCE_NOT_FOUND, AUTHOR_ID)]
