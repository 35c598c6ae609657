"""A file in the wrong shape fails its import at once, naming the likely cause, and writes
nothing; the delimiter option reaches the reader; a bad one is refused before anything is stored.
(In-memory adapters, batches of 2 rows.)"""

from __future__ import annotations

import pytest

from bulkio.domain.errors import InvalidRequest
from bulkio.domain.jobs import JobStatus
from bulkio.domain.queries import ExportQuery
from bulkio.domain.resources import USERS

SEMICOLONS = "email;name;role\nann@example.com;Ann Lee;admin\nbob@example.com;Bob;reader\n"


def _stored(world) -> list[str]:
    return sorted(r["email"] for r in world.records.stream(ExportQuery.build(USERS)))


def _failed_at_once(world, job) -> str:
    assert job.status is JobStatus.FAILED, (job.status, job.errors[:3])
    assert (job.counters.processed, job.error_count, job.checkpoint) == (0, 0, 0)
    assert _stored(world) == []
    assert job.failure is not None
    return job.failure


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_semicolon_file_is_imported_when_no_delimiter_is_given(world, dry_run: bool) -> None:
    job = world.upload("users", SEMICOLONS, "users.csv", dry_run=dry_run)
    assert job.status is JobStatus.COMPLETED
    assert (job.counters.created, job.counters.failed) == (2, 0)
    assert _stored(world) == ([] if dry_run else ["ann@example.com", "bob@example.com"])


def test_the_job_remembers_the_given_delimiter_when_one_is_given(world) -> None:
    job = world.upload("users", SEMICOLONS.replace(";", "|"), "users.csv", delimiter="|")
    assert (job.delimiter, job.status, job.counters.created) == ("|", JobStatus.COMPLETED, 2)


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_job_fails_at_once_naming_the_delimiter_when_a_wrong_one_is_given(
    world, dry_run: bool,
) -> None:
    job = world.upload("users", SEMICOLONS * 3, "users.csv", delimiter=",", dry_run=dry_run)
    reason = _failed_at_once(world, job)
    assert "'email;name;role' matches none of the required fields email, name, role" in reason
    assert "separated by ';'" in reason and "delimiter=';'" in reason


def test_the_job_fails_naming_the_tab_when_a_tab_file_is_read_with_a_sep_comma(world) -> None:
    text = "sep=,\n" + SEMICOLONS.replace(";", "\t")
    reason = _failed_at_once(world, world.upload("users", text, "users.csv"))
    assert "a tab ('\\t')" in reason and "delimiter='\\t'" in reason


def test_the_job_fails_naming_the_resource_when_the_file_holds_another_one(world) -> None:
    text = "slug,title,body,author_id,status\nhello,Hello,words,x,draft\n"
    reason = _failed_at_once(world, world.upload("users", text, "articles.csv"))
    assert "looks like a file of articles" in reason


def test_the_job_fails_asking_for_a_header_when_the_first_line_is_a_record(world) -> None:
    text = "ann@example.com:Ann:admin\nbob@example.com:Bob:reader\n"
    reason = _failed_at_once(world, world.upload("users", text, "users.csv"))
    assert "is the first line the header?" in reason


def test_a_header_without_rows_fails_when_it_names_no_required_field(world) -> None:
    _failed_at_once(world, world.upload("users", "mail;full name\n", "users.csv", delimiter=","))


def test_a_header_naming_one_required_field_is_left_to_row_validation_when_read(world) -> None:
    job = world.upload("users", "email,nom\nann@example.com,Ann\n", "users.csv")
    assert job.status is JobStatus.COMPLETED
    assert {(e.field, e.code) for e in job.errors} == {("name", "required"), ("role", "required")}


def test_ndjson_fails_at_once_when_no_row_of_the_first_batch_carries_a_required_key(world) -> None:
    text = '{"user": {"email": "ann@example.com"}}\n' * 5
    reason = _failed_at_once(world, world.upload("users", text, "users.ndjson"))
    assert "the first 2 rows carry none of the required keys email, name, role" in reason
    assert "(keys found: user)" in reason


def test_ndjson_is_read_when_one_row_of_the_first_batch_carries_a_required_key(world) -> None:
    text = ('{"note": "exported by hand"}\n'
            '{"email": "ann@example.com", "name": "Ann", "role": "admin"}\n')
    job = world.upload("users", text, "users.ndjson")
    assert job.status is JobStatus.COMPLETED
    assert (job.counters.created, job.counters.failed) == (1, 1)


def test_json_rows_with_none_of_the_keys_fail_when_the_file_is_smaller_than_a_batch(world) -> None:
    job = world.upload("users", '[{"mail": "ann@example.com"}]', "users.json")
    assert "the first row carries none of the required keys" in _failed_at_once(world, job)


def test_json_rows_that_are_no_objects_are_left_to_row_errors_when_there_are_no_keys(world) -> None:
    job = world.upload("users", "[1, 2, 3]", "users.json")
    assert job.status is JobStatus.COMPLETED and job.counters.failed == 3
    assert job.every_row_failed


def test_a_bad_delimiter_is_refused_and_nothing_stored_when_submitted(world) -> None:
    with pytest.raises(InvalidRequest) as caught:
        world.submitter.import_upload("users", [SEMICOLONS.encode()], "users.csv", delimiter='"')
    assert caught.value.field == "delimiter"
    assert not any(path.is_file() for path in world.files.rglob("*"))
    assert world.queue.sent == []


def test_a_delimiter_makes_another_request_when_the_idempotency_key_is_reused(world) -> None:
    from bulkio.services.idempotency import IdempotencyKey

    key = IdempotencyKey("one-key")
    world.submitter.import_upload("users", [SEMICOLONS.encode()], "users.csv", key=key)
    with pytest.raises(InvalidRequest, match="different request|Idempotency"):
        world.submitter.import_upload("users", [SEMICOLONS.encode()], "users.csv", key=key,
                                      delimiter=";")
