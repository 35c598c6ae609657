"""Acceptance: dry run."""

from pytest_bdd import scenarios

scenarios("imports/dry_run.feature")
