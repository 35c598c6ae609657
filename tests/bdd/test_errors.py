"""Acceptance: row errors and the error report."""

from pytest_bdd import scenarios

scenarios("imports/errors.feature")
