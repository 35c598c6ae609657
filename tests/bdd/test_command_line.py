"""Acceptance: the command line."""

from pytest_bdd import scenarios

scenarios("cli/command_line.feature")
