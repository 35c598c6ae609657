"""The `bulkio` command on the embedded set: import, validate, export, jobs, errors."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.entrypoints.cli import main

USERS = """email,name,role,active
john@example.com,John Doe,admin,true
jane@example.com,Jane Smith,editor,true
bob@example.com,Bob Wilson,reader,false
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "",
           "AWS_S3_BUCKET": "", "DATABASE_HOST": "", "REDIS_HOST": ""}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_import_prints_a_summary_and_exits_zero_when_the_job_completes(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS + "bad,X,boss,true\n")
    result = cli("import", "users.csv", "--resource", "users")
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output and "1 failed" in result.output
    assert "row 4 email [invalid_format]" in result.output


def test_import_reports_updates_not_creations_when_run_twice(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    cli("import", "users.csv", "--resource", "users")
    result = cli("import", "users.csv", "--resource", "users")
    assert "0 created" in result.output and "3 skipped" in result.output


def test_import_exits_non_zero_when_the_job_fails(cli, tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text('[{"email": "a@example.com", ')
    result = cli("import", "users.json", "--resource", "users")
    assert result.exit_code == 1
    assert "failed" in result.output


def test_validate_exits_non_zero_and_writes_nothing_when_a_row_is_invalid(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS + "bad,X,boss,true\n")
    result = cli("validate", "users.csv", "--resource", "users")
    assert result.exit_code == 1 and "dry run" in result.output
    exported = cli("export", "--resource", "users", "--format", "ndjson")
    assert exported.output == ""


def test_export_writes_the_chosen_fields_when_filtered(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    cli("import", "users.csv", "--resource", "users")
    result = cli("export", "--resource", "users", "--format", "csv", "--filter", "role=admin",
                 "--fields", "email,name", "-o", "out.csv")
    assert result.exit_code == 0
    assert (tmp_path / "out.csv").read_text().splitlines() == ["email,name", "john@example.com,John Doe"]


def test_jobs_and_errors_show_a_job_and_its_failed_rows_when_asked(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS + "bad,X,boss,true\n")
    cli("import", "users.csv", "--resource", "users")
    listing = cli("jobs")
    job_id = listing.output.split()[0]
    shown = json.loads(cli("jobs", "show", job_id).output)
    assert (shown["status"], shown["successfulRows"], shown["failedRows"]) == ("completed", 3, 1)
    report = cli("errors", job_id, "--format", "csv").output.splitlines()
    assert report[0].endswith("_error_row,_error_field,_error_code,_error_message")
    assert report[1].startswith("bad,X,boss,true,4,email; role")


@pytest.mark.parametrize(("args", "code"), [
    (("jobs", "show", "00000000-0000-4000-8000-000000000099"), 3),
    (("errors", "00000000-0000-4000-8000-000000000099"), 3),
    (("import", "users.csv", "--resource", "people"), 2),
    (("export", "--resource", "users", "--filter", "shoeSize=9"), 2),
])
def test_a_one_line_error_and_its_exit_code_come_back_when_a_command_is_wrong(
    cli, tmp_path: Path, args: tuple[str, ...], code: int,
) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    result = cli(*args)
    assert result.exit_code == code
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_every_bad_setting_is_one_line_error_when_the_environment_is_wrong(tmp_path: Path) -> None:
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "PORT": "abc", "JOB_BATCH_SIZE": "0",
           "DATABASE_NAME": "bulk", "DATABASE_HOST": "", "DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["jobs"], env=env)
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: invalid settings")
    for name in ("PORT", "JOB_BATCH_SIZE", "DATABASE_NAME needs DATABASE_HOST"):
        assert name in lines[0]


def test_an_export_of_some_fields_reimports_without_touching_the_others(cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    cli("import", "users.csv", "--resource", "users")
    cli("export", "--resource", "users", "--format", "csv", "--fields", "email,name,role",
        "-o", "some.csv")
    edited = (tmp_path / "some.csv").read_text().replace("Bob Wilson", "Bob B. Wilson")
    (tmp_path / "some.csv").write_text(edited)
    dry = cli("validate", "some.csv", "--resource", "users")
    result = cli("import", "some.csv", "--resource", "users")
    for output in (" ".join(dry.output.split()), " ".join(result.output.split())):
        assert "0 created, 1 updated, 2 skipped, 0 failed" in output, output
    exported = cli("export", "--resource", "users", "--format", "ndjson", "--fields", "email,active")
    active = {r["email"]: r["active"] for r in map(json.loads, exported.output.splitlines())}
    assert active == {"bob@example.com": False, "jane@example.com": True, "john@example.com": True}


def test_a_logged_failure_shows_one_line_without_its_traceback_when_the_cli_runs_jobs(
    cli, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    cli("import", "users.csv", "--resource", "users")  # the CLI's own log handler is in place
    try:
        raise RuntimeError("[SQL: INSERT INTO users VALUES (%(email)s)] other@example.com")
    except RuntimeError:
        logging.getLogger("bulkio.runner").exception("job %s failed unexpectedly", "J1")
    said = capsys.readouterr().err
    assert "error: job J1 failed unexpectedly" in said
    assert "INSERT" not in said and "other@example.com" not in said and "Traceback" not in said


def test_import_follows_the_first_run_s_job_when_run_again_with_its_idempotency_key(
        cli, tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    first = cli("import", "users.csv", "--resource", "users", "--idempotency-key", "k1")
    again = cli("import", "users.csv", "--resource", "users", "--idempotency-key", "k1")

    assert first.exit_code == again.exit_code == 0, again.output
    job_id = re.search(r"job ([0-9a-f-]{36}) completed", first.output)
    assert job_id is not None, first.output
    assert f"job {job_id[1]} completed" in again.output and "3 created" in again.output
    assert cli("jobs").output.count("  import  ") == 1
