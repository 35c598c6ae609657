"""The benchmark generator (`benchmarks/generate.py`) writes rows bulkio accepts: every user,
article and comment of a generated set is created (so every reference holds), its changed twin
updates every record, and the same options give the same bytes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from bulkio.domain.jobs import JobStatus
from tests.production import embedded_bulkio

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"
COUNTS = {"users": 12, "articles": 9, "comments": 15}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(generate: ModuleType, folder: Path, resource: str, fmt: str, changed: bool) -> Path:
    path = folder / f"{resource}{'-changed' if changed else ''}.{fmt}"
    generate.generate(COUNTS[resource], fmt, path, 3, resource=resource, ids=True, changed=changed,
                      users_count=COUNTS["users"], articles_count=COUNTS["articles"])
    return path


@pytest.mark.parametrize("fmt", ["ndjson", "csv", "json"])
def test_generated_rows_are_created_then_updated_when_imported_in_order(tmp_path: Path,
                                                                        fmt: str) -> None:
    generate = _generator()
    with embedded_bulkio(tmp_path) as bio:
        for changed in (False, True):
            for resource, count in COUNTS.items():
                path = _write(generate, tmp_path, resource, fmt, changed)
                job = bio.wait(bio.import_file(path, resource).id, timeout=60)
                assert job.status is JobStatus.COMPLETED, (resource, job.failure)
                c = job.counters
                assert (c.total, c.failed, c.skipped) == (count, 0, 0), (resource, bio.errors(job.id))
                assert (c.created, c.updated) == ((0, count) if changed else (count, 0)), resource


def test_generated_files_are_the_same_when_generated_again_with_the_same_options(
        tmp_path: Path) -> None:
    generate = _generator()
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
    for resource, count in COUNTS.items():
        first = _write(generate, tmp_path / "first", resource, "csv", False)
        second = _write(generate, tmp_path / "second", resource, "csv", False)
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes().count(b"\n") == count + 1  # a header, then one line per row
