"""Acceptance: delimiters and files in the wrong shape."""

from pytest_bdd import scenarios

scenarios("imports/delimiters.feature")
