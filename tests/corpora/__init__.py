"""Data files from public projects, vendored so that the suite runs on a fresh clone (see README.md)."""

from pathlib import Path

JSON_TEST_SUITE = Path(__file__).resolve().parent / "json-test-suite" / "test_parsing"
