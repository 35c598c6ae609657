"""Acceptance: formula-like text in CSV downloads (features/formulas), over HTTP on both adapter
sets."""

from __future__ import annotations

import csv
import io

from pytest_bdd import given, parsers, scenarios, then, when

from tests.bdd import test_api_steps
from tests.bdd.test_api_steps import Api

# The steps and fixtures of features/api (the service, the job, refusals), not its tests.
globals().update({name: value for name, value in vars(test_api_steps).items()
                  if name.startswith("pytestbdd_")
                  or name in ("adapter_set", "migrated_pg", "base_settings", "stack")})

scenarios("formulas")


def _names(text: str) -> list[str]:
    return sorted(row["name"] for row in csv.DictReader(io.StringIO(text, newline="")))


@given("the client has imported a users file with:")
def _(api: Api, docstring: str) -> None:
    assert api.upload(docstring.encode() + b"\n").status_code == 201
    assert api.wait()["failedRows"] == 1


@when(parsers.parse('the client streams the users\' names as csv with keepFormulas "{keep}"'))
def _(api: Api, keep: str) -> None:
    api.send("GET", "/v1/exports", params={"resource": "users", "format": "csv", "fields": "name",
                                           "keepFormulas": keep})


@then(parsers.parse('the client receives the names "{first}" and "{second}"'))
def _(api: Api, first: str, second: str) -> None:
    answer = api.answers[-1]
    assert answer.status_code == 200, answer.text
    assert _names(answer.text) == [first, second]


@when(parsers.re(r"the client asks for an export job of the users' names as csv with keepFormulas "
                 r"(?P<keep>true|false)"))
def _(api: Api, keep: str) -> None:
    answer = api.send("POST", "/v1/exports", json={"resourceType": "users", "format": "csv",
                                                   "fields": ["name"], "keepFormulas": keep == "true"})
    assert answer.status_code == 201, answer.text


@then(parsers.re(r"the export job shows keepFormulas (?P<keep>true|false)"))
def _(api: Api, keep: str) -> None:
    shown = api.send("GET", f"/v1/exports/{api.job['id']}").json()
    assert shown["keepFormulas"] is (keep == "true")


@then(parsers.parse('the export file holds the names "{first}" and "{second}"'))
def _(api: Api, first: str, second: str) -> None:
    answer = api.client.get(api.job["downloadUrl"], headers=api.headers())
    assert answer.status_code == 200 and _names(answer.text) == [first, second]


@when(parsers.parse('the client downloads the error report as csv with keepFormulas "{keep}"'))
def _(api: Api, keep: str) -> None:
    api.send("GET", f"/v1/imports/{api.job['id']}/errors/report",
             params={"format": "csv", "keepFormulas": keep})


@then(parsers.parse('the report\'s failed row has the email "{email}"'))
def _(api: Api, email: str) -> None:
    answer = api.answers[-1]
    assert answer.status_code == 200, answer.text
    assert [r["email"] for r in csv.DictReader(io.StringIO(answer.text, newline=""))] == [email]
