"""The suite runs anywhere: its data lives in the repository, its Redis keys in namespaces of
its own."""

from __future__ import annotations

from pathlib import Path

from tests.corpora import JSON_TEST_SUITE
from tests.production import production_env

REPOSITORY = Path(__file__).resolve().parents[2]


def test_json_corpus_is_inside_the_repository_with_its_licence_when_tests_read_it() -> None:
    assert JSON_TEST_SUITE.is_relative_to(REPOSITORY)
    assert len(list(JSON_TEST_SUITE.glob("*.json"))) > 300
    assert "Nicolas Seriot" in (JSON_TEST_SUITE.parent / "LICENSE").read_text()
    assert "github.com/nst/JSONTestSuite" in (REPOSITORY / "tests" / "corpora" / "README.md").read_text()


def test_each_production_environment_gets_its_own_redis_namespace_when_built() -> None:
    first = production_env("postgresql://db/x", "redis://r/5", "http://s3", "bucket")
    second = production_env("postgresql://db/x", "redis://r/5", "http://s3", "bucket")
    assert first["BULKIO_REDIS_NAMESPACE"].startswith("bulkio-test-")
    assert first["BULKIO_REDIS_NAMESPACE"] != second["BULKIO_REDIS_NAMESPACE"]


def test_redis_fixture_deletes_no_key_when_a_session_starts() -> None:
    source = (REPOSITORY / "tests" / "conftest.py").read_text()
    assert ".delete(" not in source and "flushdb" not in source.lower()
