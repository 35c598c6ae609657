"""Acceptance: export files expire."""

from pytest_bdd import scenarios

scenarios("exports/expiry.feature")
