"""The `bulkio` command for scripts and people: choices, `--json` on standard output, messages
on standard error, no wrapping when piped, one-line errors with documented exit codes, shell
completion, and a waiting import that says what it waits for."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulkio.entrypoints.cli import main
from bulkio.entrypoints.exits import ExitCode
from tests.production import forget_namespace, new_namespace

REPOSITORY = Path(__file__).resolve().parents[2]
USERS = "email,name,role\nada@example.com,Ada,admin\nbob@example.com,Bob,reader\n"
MISSING_JOB = "00000000-0000-4000-8000-000000000099"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`bulkio ARGS` on the embedded set in tmp_path; stdout and stderr kept apart."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "users.csv").write_text(USERS)
    env = {"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": "",
           "AWS_S3_BUCKET": "", "DATABASE_HOST": "", "REDIS_HOST": ""}

    def invoke(*args: str, **more_env: str):
        return CliRunner().invoke(main, list(args), env={**env, **more_env})

    return invoke


def _one_line_error(result, code: ExitCode) -> str:
    assert result.exit_code == code, (result.exit_code, result.stderr, result.stdout)
    assert result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "code", "says"), [
    (("jobs", "--status", "done"), ExitCode.USAGE, "'done' is not one of"),
    (("jobs", "--kind", "backup"), ExitCode.USAGE, "'backup' is not one of"),
    (("errors", MISSING_JOB, "--format", "xml"), ExitCode.USAGE, "'xml' is not one of"),
    (("import", "users.csv", "--resource", "people"), ExitCode.USAGE, "'people' is not one of"),
    (("import", "nothing.csv", "--resource", "users"), ExitCode.USAGE, "does not exist"),
    (("export", "--resource", "users", "--filter", "shoeSize=9"), ExitCode.USAGE, "shoeSize"),
    (("export", "--resource", "users", "--json"), ExitCode.USAGE, "--json needs --output"),
    (("export", "--resource", "users", "-o", "/missing/dir/x.csv"), ExitCode.FILE,
     "/missing/dir/x.csv"),
    (("errors", MISSING_JOB, "-o", "/missing/dir/x.csv"), ExitCode.NOT_FOUND, MISSING_JOB),
    (("jobs", "show", MISSING_JOB), ExitCode.NOT_FOUND, MISSING_JOB),
    (("jobs", "--limit", "0"), ExitCode.USAGE, "--limit"),
    (("bogus",), ExitCode.USAGE, "No such command"),
])
def test_a_mistake_is_one_line_with_its_exit_code_when_a_command_is_wrong(
    run, args: tuple[str, ...], code: ExitCode, says: str,
) -> None:
    assert says in _one_line_error(run(*args), code)


def test_a_file_that_cannot_be_written_is_one_line_when_an_import_exists(run) -> None:
    job_id = json.loads(run("import", "users.csv", "--resource", "users", "--json").stdout)["id"]
    line = _one_line_error(run("errors", job_id, "-o", "/missing/dir/x.csv"), ExitCode.FILE)
    assert "No such file or directory" in line


def test_bad_settings_exit_with_their_own_code_when_read(run) -> None:
    line = _one_line_error(run("jobs", PORT="abc"), ExitCode.SETTINGS)
    assert "PORT='abc'" in line


def test_import_json_is_the_job_on_stdout_and_the_summary_on_stderr_when_asked(run) -> None:
    result = run("import", "users.csv", "--resource", "users", "--json")
    assert result.exit_code == 0, result.stderr
    job = json.loads(result.stdout)
    assert (job["status"], job["createdRows"], job["resourceType"]) == ("completed", 2, "users")
    assert "completed" in result.stderr and "{" not in result.stderr


def test_no_wait_prints_the_queued_job_when_asked(run) -> None:
    result = run("import", "users.csv", "--resource", "users", "--no-wait")
    assert result.exit_code == 0 and re.fullmatch(r"[0-9a-f-]{36}\n", result.stdout)


def test_jobs_lists_on_stdout_as_table_or_json_when_asked(run) -> None:
    run("import", "users.csv", "--resource", "users")
    table = run("jobs")
    assert table.exit_code == 0 and table.stderr == ""
    assert "import  users" in table.stdout
    listed = json.loads(run("jobs", "--json", "--status", "completed").stdout)
    assert [job["status"] for job in listed] == ["completed"]
    assert json.loads(run("jobs", "--json", "--status", "failed").stdout) == []


def test_errors_json_lists_every_row_error_when_asked(run, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(USERS + "nope,X,boss\n")
    job = json.loads(run("import", "bad.csv", "--resource", "users", "--json").stdout)
    result = run("errors", job["id"], "--json")
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert {(e["row"], e["field"], e["code"]) for e in found} == {
        (3, "email", "invalid_format"), (3, "role", "invalid_enum")}


def test_export_json_describes_the_written_file_when_asked(run, tmp_path: Path) -> None:
    run("import", "users.csv", "--resource", "users")
    result = run("export", "--resource", "users", "--format", "csv", "-o", "out.csv", "--json")
    assert result.exit_code == 0, result.stderr
    described = json.loads(result.stdout)
    assert described == {"resourceType": "users", "format": "csv", "output": "out.csv",
                         "fileSize": (tmp_path / "out.csv").stat().st_size}


def test_summary_lines_are_not_wrapped_when_piped(run, tmp_path: Path) -> None:
    long_name = "a-very-long-address-" * 6 + "@example"
    (tmp_path / "bad.csv").write_text(f"email,name,role\n{long_name},Someone,admin\n")
    result = run("import", "bad.csv", "--resource", "users")
    lines = result.stderr.splitlines()
    assert any(long_name in line and len(line) > 120 for line in lines), result.stderr
    summary = next(line for line in lines if "completed" in line)
    assert summary.endswith("rows/s)")


@pytest.mark.parametrize(("words", "expected"), [
    ("bulkio import users.csv --resource ", {"users", "articles", "comments"}),
    ("bulkio export --resource users --format ", {"csv", "ndjson", "json"}),
    ("bulkio jobs --status ", {"pending", "processing", "completed", "failed", "cancelled"}),
])
def test_shell_completion_offers_the_choices_when_asked(
    words: str, expected: set[str],
) -> None:
    env = {"_BULKIO_COMPLETE": "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()))}
    result = CliRunner().invoke(main, [], env=env, prog_name="bulkio")
    offered = {line.split(",", 1)[1] for line in result.stdout.splitlines() if "," in line}
    assert offered == expected


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_for_a_shell_when_asked(shell: str) -> None:
    result = CliRunner().invoke(main, ["completion", shell])
    assert result.exit_code == 0 and "_BULKIO_COMPLETE" in result.stdout


def test_every_exit_code_is_documented_in_the_readme_when_defined() -> None:
    readme = (REPOSITORY / "README.md").read_text()
    for code in ExitCode:
        assert re.search(rf"^\| `{code.value}` \|", readme, re.MULTILINE), code


@pytest.fixture
def redis_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                redis_url: str) -> Iterator[tuple[dict[str, str], str]]:
    """`users.csv` in the working folder, and the CLI's environment for an embedded database
    with a Redis queue under a namespace of its own (deleted afterwards): (env, namespace)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "users.csv").write_text(USERS)
    namespace = new_namespace()
    yield ({"BULKIO_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": "", "REDIS_URL": redis_url,
            "BULKIO_REDIS_NAMESPACE": namespace, "AWS_S3_BUCKET": ""}, namespace)
    forget_namespace(redis_url, namespace)


def test_waiting_import_says_it_waits_for_a_worker_when_redis_has_none(
    redis_queue: tuple[dict[str, str], str], redis_url: str,
) -> None:
    env, namespace = redis_queue
    result = CliRunner().invoke(main, ["import", "users.csv", "--resource", "users",
                                       "--timeout", "4", "--json"], env=env)
    assert result.exit_code == ExitCode.STILL_RUNNING, result.stderr
    assert json.loads(result.stdout)["status"] == "pending"
    assert "waits for a worker" in result.stderr and "bulkio worker" in result.stderr
    assert redis_url.split("//")[1] in result.stderr and namespace in result.stderr


def test_production_example_sets_s3_credentials_and_only_known_variables_when_read() -> None:
    from bulkio.environment import variables

    readme = (REPOSITORY / "README.md").read_text()
    block = readme.split("## Production", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", block))
    assert {"AWS_S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= names
    assert names <= set(variables())


def test_import_and_validate_exit_9_when_every_row_of_the_job_failed(run, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("email,name,role\nnope,Ann,admin\nnada,Bob,boss\n")
    for command in ("import", "validate"):
        result = run(command, "bad.csv", "--resource", "users")
        assert result.exit_code == ExitCode.EVERY_ROW_FAILED, (command, result.stderr)
        assert "every row failed" in result.stderr


def test_import_exits_0_when_some_rows_failed_and_others_were_imported(run, tmp_path: Path) -> None:
    (tmp_path / "mixed.csv").write_text(USERS + "nope,X,boss\n")
    assert run("import", "mixed.csv", "--resource", "users").exit_code == ExitCode.OK


def test_import_exits_0_when_the_file_has_a_header_and_no_rows(run, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("email,name,role\n")
    assert run("import", "empty.csv", "--resource", "users").exit_code == ExitCode.OK


def test_import_reads_a_semicolon_file_when_no_delimiter_is_given(run, tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("sep=;\n" + USERS.replace(",", ";"))
    result = run("import", "semi.csv", "--resource", "users", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["createdRows"] == 2


def test_the_delimiter_option_wins_over_the_sep_line_when_given(run, tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("sep=,\n" + USERS.replace(",", ";"))
    assert run("validate", "semi.csv", "--resource", "users").exit_code == ExitCode.JOB_FAILED
    result = run("import", "semi.csv", "--resource", "users", "--delimiter", ";", "--json")
    assert result.exit_code == ExitCode.OK, result.stderr
    assert json.loads(result.stdout)["createdRows"] == 2


def test_import_exits_1_naming_the_likely_delimiter_when_the_file_is_split_wrong(
    run, tmp_path: Path,
) -> None:
    (tmp_path / "semi.csv").write_text(USERS.replace(",", ";"))
    result = run("import", "semi.csv", "--resource", "users", "-d", ",")
    assert result.exit_code == ExitCode.JOB_FAILED, result.stderr
    assert "matches none of the required fields" in result.stderr
    assert "pass delimiter=';'" in result.stderr


@pytest.mark.parametrize("command", ["import", "validate"])
def test_a_bad_delimiter_is_one_line_naming_it_when_given(run, command: str) -> None:
    line = _one_line_error(run(command, "users.csv", "--resource", "users", "--delimiter", "ab"),
                           ExitCode.USAGE)
    assert "delimiter" in line and "'ab'" in line


def test_resume_exits_4_when_the_job_cannot_be_resumed_in_its_state(run) -> None:
    job_id = json.loads(run("import", "users.csv", "--resource", "users", "--json").stdout)["id"]
    line = _one_line_error(run("resume", job_id), ExitCode.CONFLICT)
    assert "completed" in line


def test_ctrl_c_while_waiting_exits_130_and_leaves_the_job_queued_when_pressed(
    redis_queue: tuple[dict[str, str], str], redis_url: str,
) -> None:
    import os
    import signal
    import threading
    import time

    import redis

    env, namespace = redis_queue
    client = redis.Redis.from_url(redis_url)
    done = threading.Event()

    def press_ctrl_c_once_queued() -> None:
        # The job is waiting in the queue once its message is in Redis: no worker takes it.
        while not done.wait(0.05):
            if any(client.scan_iter(f"{namespace}:*")):
                time.sleep(0.3)
                os.kill(os.getpid(), signal.SIGINT)
                return

    presser = threading.Thread(target=press_ctrl_c_once_queued, daemon=True)
    presser.start()
    try:
        result = CliRunner().invoke(main, ["import", "users.csv", "--resource", "users",
                                           "--timeout", "30"], env=env)
    finally:
        done.set()
        presser.join()
        client.close()
    assert result.exit_code == ExitCode.INTERRUPTED, (result.exit_code, result.stderr)
    assert "Error: interrupted" in result.stderr
