"""Acceptance: importing articles."""

from pytest_bdd import scenarios

scenarios("articles/import_articles.feature")
