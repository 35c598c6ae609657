"""Acceptance: importing users."""

from pytest_bdd import scenarios

scenarios("users/import_users.feature")
