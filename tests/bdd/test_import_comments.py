"""Acceptance: importing comments."""

from pytest_bdd import scenarios

scenarios("comments/import_comments.feature")
