"""Acceptance: file formats."""

from pytest_bdd import scenarios

scenarios("imports/formats.feature")
