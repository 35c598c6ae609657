"""Acceptance: exporting records."""

from pytest_bdd import scenarios

scenarios("exports/export.feature")
