"""No single row ends a job: unexpected errors while checking a row become that row's error."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bulkio.domain.jobs import JobStatus
from bulkio.domain.resources import Field, Resource
from bulkio.domain.rows import ErrorCode, SourceRow
from bulkio.services.importing import check_row


class Exploding:
    """A field kind with a bug: it fails on one value in a way nobody foresaw."""

    def clean(self, raw: Any) -> str:
        if raw == "boom":
            raise ZeroDivisionError("secret-value")
        return str(raw)


THINGS = Resource("things", fields=(Field("name", Exploding(), required=True),), key="name")  # type: ignore[arg-type]


def test_a_row_whose_check_fails_unexpectedly_becomes_an_internal_error_when_validated(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="bulkio.import"):
        result = check_row(THINGS, SourceRow(7, {"name": "boom"}, line=8))
    assert result.record is None
    [error] = result.errors
    assert (error.row, error.line, error.code, error.value) == (7, 8, ErrorCode.INTERNAL_ERROR, None)
    assert "row 7" in caplog.text and "ZeroDivisionError" in caplog.text
    assert "secret-value" not in caplog.text  # the values stay out of the log
    assert check_row(THINGS, SourceRow(8, {"name": "fine"})).record == {"name": "fine"}


def test_a_job_failing_unexpectedly_names_only_the_kind_of_error_when_it_ends(world) -> None:
    class BrokenWriter:  # a writer whose driver fails with row data in its text
        def write(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("INSERT INTO users VALUES ('other@example.com', 'Other Person')")

    world.batches = BrokenWriter()
    job = world.upload("users", "email,name,role\nann@example.com,Ann,admin\n")
    assert job.status is JobStatus.FAILED
    assert job.failure == "internal error: RuntimeError (see the worker's log)"


HOSTILE_NDJSON = "\n".join([
    '{"email": "a@example.com", "name": "Ann", "role": "admin"}',
    '{"email": "b@example.com", "name": "B\\u0000b", "role": "admin"}',
    '{"email": "c@example.com", "name": 12345678901234567890, "role": "admin"}',
    '{"email": "d@example.com", "name": {"first": "D"}, "role": "admin"}',
    '{"email": "e@example.com", "name": "Eve", "role": ["admin"]}',
    '{"email": "f@example.com", "name": "F\\u0000", "role": "reader\\u0000"}',
    '{"email": "g@example.com", "name": "Gus", "role": "reader"}',
]) + "\n"


def test_values_that_cannot_be_stored_are_row_errors_when_imported(world) -> None:
    job = world.upload("users", HOSTILE_NDJSON, "users.ndjson")
    assert job.status is JobStatus.COMPLETED
    assert (job.counters.created, job.counters.failed) == (3, 4)
    assert [(e.row, e.field, e.code) for e in job.errors] == [
        (2, "name", ErrorCode.INVALID_CHARACTER), (4, "name", ErrorCode.INVALID_TYPE),
        (5, "role", ErrorCode.INVALID_TYPE), (6, "name", ErrorCode.INVALID_CHARACTER),
        (6, "role", ErrorCode.INVALID_CHARACTER),
    ]
