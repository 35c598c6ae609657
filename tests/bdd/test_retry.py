"""Acceptance: retrying an import with an idempotency key."""

from pytest_bdd import scenarios

scenarios("imports/retry.feature")
