"""Acceptance: upsert on import."""

from pytest_bdd import scenarios

scenarios("imports/upsert.feature")
