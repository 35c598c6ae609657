"""Every parsing case of JSONTestSuite: readable, refused with a reason, never a crash or a hang."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bulkio.domain.errors import SourceUnreadable
from bulkio.domain.rows import MalformedRow
from bulkio.formats import Format, open_rows, precheck
from tests.corpora import JSON_TEST_SUITE

CORPUS = JSON_TEST_SUITE
FILES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []
CASES = [pytest.param(path, id=path.name) for path in FILES] or [pytest.param(None, id="corpus-missing")]


def corpus_bytes(path: Path | None) -> bytes:
    assert path is not None, f"the JSON corpus is missing: expected it at {CORPUS.resolve()}"
    return path.read_bytes()


def test_corpus_is_present_when_tests_run() -> None:
    assert len(FILES) > 300, f"the JSON corpus is missing or incomplete at {CORPUS.resolve()}"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("path", CASES)
def test_json_import_reads_or_refuses_when_given_a_corpus_file(path: Path | None) -> None:
    data = corpus_bytes(path)
    name = path.name if path is not None else ""
    try:
        precheck(lambda: io.BytesIO(data), Format.JSON)
    except SourceUnreadable:
        assert not name.startswith("y_"), "a valid JSON document was refused by precheck"
        return
    try:
        rows = list(open_rows(io.BytesIO(data), Format.JSON))
    except SourceUnreadable:
        return
    if name.startswith("n_"):
        assert any(isinstance(row, MalformedRow) for row in rows), "invalid JSON was accepted"


@pytest.mark.timeout(20)
@pytest.mark.parametrize("path", CASES)
def test_ndjson_import_reads_or_refuses_when_given_a_corpus_file(path: Path | None) -> None:
    data = corpus_bytes(path)
    try:
        list(open_rows(io.BytesIO(data), Format.NDJSON))
    except SourceUnreadable:
        pass
