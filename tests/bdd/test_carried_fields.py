"""Acceptance: fields a file does not carry keep their stored values."""

from pytest_bdd import scenarios

scenarios("imports/carried_fields.feature")
