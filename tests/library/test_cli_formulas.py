"""`bulkio export` and `bulkio errors` write formula-like CSV text with a leading `'`, or raw with
`--keep-formulas`."""

from __future__ import annotations

import csv
import json
import io
from pathlib import Path

import pytest

from tests.library.test_cli import cli  # noqa: F401 - the command on the embedded set

USERS = 'email,name,role\nsum@example.com,@SUM(1+1),reader\n=1+1,"=HYPERLINK(""x"")",reader\n'


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(("flag", "guard"), [((), "'"), (("--keep-formulas",), "")])
def test_export_and_error_report_guard_formulas_unless_kept(cli, tmp_path: Path,  # noqa: F811
                                                            flag: tuple[str, ...], guard: str) -> None:
    (tmp_path / "users.csv").write_text(USERS)
    imported = cli("import", "users.csv", "--resource", "users", "--json")
    job_id = json.loads(imported.stdout)["id"]

    exported = cli("export", "--resource", "users", "--format", "csv", "--fields", "name", *flag)
    report = cli("errors", job_id, "--format", "csv", *flag)

    assert exported.exit_code == 0 and report.exit_code == 0, (exported.output, report.output)
    assert [r["name"] for r in _rows(exported.stdout)] == [guard + "@SUM(1+1)"]
    assert [(r["email"], r["name"]) for r in _rows(report.stdout)] == [
        (guard + "=1+1", guard + '=HYPERLINK("x")')]
