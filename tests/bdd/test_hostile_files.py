"""Acceptance: broken, oversized and hostile files."""

from pytest_bdd import scenarios

scenarios("imports/hostile_files.feature")
