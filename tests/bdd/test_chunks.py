"""Acceptance: one import on many workers (chunk jobs)."""

from pytest_bdd import scenarios

scenarios("imports/chunks.feature")
