"""The push-down prototype (`benchmarks/pushdown.py`) counts every step as bulkio would, and the
rows its SQL refuses are exactly the (row, field) pairs bulkio's own validator refuses."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pushdown.py"

pytestmark = pytest.mark.services


def test_the_push_down_prototype_counts_and_refuses_as_bulkio_does(
        pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_pushdown", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = tmp_path / "push.json"

    code = module.main(["--rows", "1500", "--check", "--pg-url", pg_url,
                        "--database", f"bulkio_test_push_{uuid.uuid4().hex[:12]}",
                        "--json", str(result)])

    out = capsys.readouterr()
    assert code == 0, out.err
    assert "refused (row, field) pairs equal bulkio's validator's: 30" in out.out
    import json

    steps = {r["operation"]: r for r in json.loads(result.read_text())["results"]}
    assert steps["push-down import: all new"]["created"] == 1500
    assert steps["push-down import again: all unchanged"]["skipped"] == 1500
    assert steps["push-down import: every name changed"]["updated"] == 1500
    assert steps["push-down import: 1 row in 50 invalid"]["failed"] == 30
