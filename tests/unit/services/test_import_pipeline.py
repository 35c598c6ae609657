"""Imports end to end on in-memory adapters: counts, errors, upsert, references, dry run, resume."""

from __future__ import annotations

import pytest

from bulkio.domain.jobs import JobStatus
from bulkio.domain.rows import ErrorCode

USERS = """email,name,role,active
john@example.com,John Doe,admin,true
jane@example.com,Jane Smith,editor,true
bob@example.com,Bob Wilson,reader,false
"""


def user_ids(world) -> dict[str, str]:
    from bulkio.domain.queries import ExportQuery
    from bulkio.domain.resources import USERS as RES

    return {r["email"]: r["id"] for r in world.records.stream(ExportQuery.build(RES))}


def test_every_row_is_created_when_a_new_file_is_imported(world) -> None:
    job = world.upload("users", USERS)
    assert job.status is JobStatus.COMPLETED
    c = job.counters
    assert (c.total, c.processed, c.created, c.updated, c.skipped, c.failed) == (3, 3, 3, 0, 0, 0)
    assert job.checkpoint == 3


def test_rows_are_skipped_not_duplicated_when_the_same_file_is_imported_twice(world) -> None:
    world.upload("users", USERS)
    again = world.upload("users", USERS)
    c = again.counters
    assert (c.created, c.updated, c.skipped) == (0, 0, 3)
    assert len(user_ids(world)) == 3


def test_changed_rows_count_as_updates_when_a_file_is_imported_again(world) -> None:
    world.upload("users", USERS)
    before = user_ids(world)
    job = world.upload("users", USERS.replace("John Doe", "John Q. Doe"))
    assert (job.counters.updated, job.counters.skipped) == (1, 2)
    assert user_ids(world) == before  # ids kept


def test_the_last_row_wins_when_a_key_repeats_across_batches(world) -> None:
    text = USERS + "JOHN@example.com,Johnny,reader,true\n"  # batch size 2: lands in batch 2
    job = world.upload("users", text)
    c = job.counters
    assert (c.created, c.skipped, c.failed) == (3, 1, 0)
    rows = list(world.streamer.records("users", {"email": "john@example.com"}))
    assert [(r["name"], r["role"]) for r in rows] == [("Johnny", "reader")]


def test_bad_rows_are_reported_with_row_field_code_and_value_when_mixed_with_good_ones(world) -> None:
    text = USERS + "not-an-email,X,reader,true\nok@example.com,,superuser,maybe\n"
    job = world.upload("users", text)
    c = job.counters
    assert (c.created, c.failed, c.processed) == (3, 2, 5)
    found = {(e.row, e.field, e.code, e.value) for e in job.errors}
    assert found == {
        (4, "email", ErrorCode.INVALID_FORMAT, "not-an-email"),
        (5, "name", ErrorCode.REQUIRED, ""),
        (5, "role", ErrorCode.INVALID_ENUM, "superuser"),
        (5, "active", ErrorCode.INVALID_TYPE, "maybe"),
    }
    assert job.error_count == 4


def test_only_the_first_hundred_errors_are_kept_inline_when_a_file_has_more(world) -> None:
    text = "email,name,role\n" + "".join(f"bad{i},N,admin\n" for i in range(150))
    job = world.upload("users", text)
    assert (len(job.errors), job.error_count, job.counters.failed) == (100, 150, 150)
    assert len(list(world.service.errors(job.id, 0, 1000))) == 150


def test_articles_are_refused_when_their_author_does_not_exist(world) -> None:
    world.upload("users", USERS)
    author = user_ids(world)["john@example.com"]
    body = " ".join(["word"] * 12)
    text = ("slug,title,body,author_id,status,published_at\n"
            f"first-post,First,{body},{author},published,2024-01-15\n"
            f"second-post,Second,{body},00000000-0000-4000-8000-00000000ffff,draft,\n")
    job = world.upload("articles", text)
    assert (job.counters.created, job.counters.failed) == (1, 1)
    [error] = job.errors
    assert (error.row, error.field, error.code) == (2, "author_id", ErrorCode.REFERENCE_NOT_FOUND)


def test_nothing_is_written_when_the_import_is_a_dry_run(world) -> None:
    world.upload("users", USERS)
    text = USERS.replace("Bob Wilson", "Robert") + "new@example.com,New,reader,true\nbad,X,admin,\n"
    job = world.upload("users", text, dry_run=True)
    c = job.counters
    assert job.status is JobStatus.COMPLETED
    assert (c.created, c.updated, c.skipped, c.failed) == (1, 1, 2, 1)
    assert set(user_ids(world)) == {"john@example.com", "jane@example.com", "bob@example.com"}
    bob = next(iter(world.streamer.records("users", {"email": "bob@example.com"})))
    assert bob["name"] == "Bob Wilson"


def test_a_dry_run_counts_a_repeated_key_once_when_it_spans_batches(world) -> None:
    text = USERS + "john@example.com,Johnny,reader,true\n"
    job = world.upload("users", text, dry_run=True)
    assert (job.counters.created, job.counters.skipped) == (3, 1)


def test_a_recovered_job_resumes_after_its_checkpoint_when_it_runs_again(world) -> None:
    job = world.submitter.import_upload("users", [USERS.encode()], "u.csv").job
    world.queue.sent.clear()
    stored = world.jobs.get(job.id)
    stored.checkpoint = stored.counters.processed = 2  # a previous attempt committed rows 1-2
    world.jobs.save(stored)
    world.runner.run(job.id)
    done = world.jobs.get(job.id)
    assert done.resumed_from == 2
    assert (done.counters.created, done.counters.processed) == (1, 3)
    assert set(user_ids(world)) == {"bob@example.com"}


def test_the_job_fails_with_a_reason_when_a_json_array_is_broken(world) -> None:
    text = '[{"email":"a@example.com","name":"A","role":"admin"},{"email": '
    job = world.upload("users", text, filename="users.json")
    assert job.status is JobStatus.FAILED
    assert "JSON" in (job.failure or "")
    assert user_ids(world) == {}  # nothing half-written


def test_unknown_columns_are_reported_as_warnings_when_present(world) -> None:
    job = world.upload("users", USERS.replace("active\n", "active,shoe_size\n", 1))
    assert job.warnings == ["unknown column 'shoe_size' was ignored"]


def test_a_dry_run_counts_what_the_import_would_when_a_stored_key_repeats_changed(world) -> None:
    world.upload("users", USERS)
    # jane: identical first (skipped), changed later in another batch (an update).
    text = USERS + "jane@example.com,Jane Q. Smith,editor,true\n"
    dry = world.upload("users", text, dry_run=True)
    real = world.upload("users", text)
    counts = lambda j: (j.counters.created, j.counters.updated, j.counters.skipped)  # noqa: E731
    assert counts(dry) == counts(real) == (0, 1, 3)


def test_a_file_name_holding_nul_is_kept_with_a_replacement_character(world) -> None:
    job = world.submitter.import_upload("users", [b"email,name,role\n"], "users\x00.csv").job
    assert world.jobs.get(job.id).source_name == "users\ufffd.csv"


def test_the_csv_report_of_an_ndjson_import_keeps_the_fields_of_every_failed_row(world) -> None:
    import csv
    import io

    from bulkio.formats import Format

    text = ('{"email":"r1@x.com","name":"R1","role":"nope"}\n'
            '{"email":"r2@x.com","name":"R2","role":"nope","active":false,'
            '"id":"33333333-3333-4333-8333-333333333333"}\n')
    job = world.upload("users", text, "users.ndjson")
    report = b"".join(world.service.error_report(job.id, Format.CSV)).decode()
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [(r["email"], r["active"], r["id"]) for r in rows] == [
        ("r1@x.com", "", ""), ("r2@x.com", "false", "33333333-3333-4333-8333-333333333333")]


def test_a_file_cut_short_keeps_every_row_read_before_the_fault_and_says_resume_cannot_help(
        world) -> None:
    import gzip
    import zlib

    import attrs

    lines = ["email,name,role"] + [f"user{n}@example.com,User {n},reader" for n in range(5000)]
    whole = ("\n".join(lines) + "\n").encode()
    data = gzip.compress(whole)[:-100]  # the end of the stream is missing
    readable = zlib.decompressobj(31).decompress(data).count(b"\n") - 1  # rows before the cut
    world.settings = attrs.evolve(world.settings, batch_size=1000)
    job = world.submitter.import_upload("users", [data], "users.csv.gz").job
    world.run_all()

    failed = world.jobs.get(job.id)
    assert failed.status is JobStatus.FAILED
    assert readable % 1000 and failed.checkpoint == failed.counters.created == readable
    assert "resume" not in failed.failure
    assert failed.failure.endswith(f"({readable} rows before it were processed)")


def test_errors_found_after_validation_name_the_line_of_their_row(world) -> None:
    # A reference to nothing and an id another key holds are found when the batch is planned,
    # not when the row is validated: they still say where the row is in the file.
    world.upload("users", "email,name,role,id\n"
                          "a@x.com,A,reader,11111111-1111-4111-8111-111111111111\n")
    job = world.upload("users", "email,name,role,id\n"
                                "\n"
                                "b@x.com,B,reader,11111111-1111-4111-8111-111111111111\n")
    articles = world.upload("articles", "slug,title,body,author_id,status\n"
                                        "a-post,T,one two three four five six seven eight nine "
                                        "ten,22222222-2222-4222-8222-222222222222,draft\n")
    assert [(e.row, e.code, e.line) for e in job.errors] == [(1, "unique_violation", 3)]
    assert [(e.row, e.code, e.line) for e in articles.errors] == [(1, "reference_not_found", 2)]


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_a_lone_surrogate_escape_is_its_row_s_invalid_character_in_json_and_ndjson(
        world, fmt: str) -> None:
    rows = ['{"email":"a@x.com","name":"A\\ud800","role":"reader"}',
            '{"email":"b@x.com","name":"\\udc00","role":"reader"}',
            '{"email":"c@x.com","name":"C \\ud83d\\ude00","role":"reader"}']
    text = ("[" + ",".join(rows) + "]") if fmt == "json" else "\n".join(rows) + "\n"
    job = world.upload("users", text, f"users.{fmt}")
    assert job.status is JobStatus.COMPLETED, job.failure
    assert [(e.row, e.field, e.code) for e in job.errors] == [
        (1, "name", "invalid_character"), (2, "name", "invalid_character")]
    assert job.counters.created == 1
