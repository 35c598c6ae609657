"""Acceptance: the REST API (features/api), driven through the app in-process, on both adapter
sets: embedded (SQLite) and PostgreSQL (never skipped: without it `pg_url` fails)."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from attrs import define, evolve, field
from dependency_injector import providers
from litestar.testing import TestClient
from pytest_bdd import given, parsers, scenarios, then, when

from bulkio.adapters.sql.migrate import upgrade
from bulkio.adapters.sql.tables import metadata
from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app
from tests.local_http import serving_folder
from tests.outages import StorageGoingAway

from .steps.files import composed_and_decomposed

scenarios("api")

SAMPLE = [{"email": "john@example.com", "name": "John Doe", "role": "admin", "active": True},
          {"email": "jane@example.com", "name": "Jane Smith", "role": "editor", "active": True},
          {"email": "bob@example.com", "name": "Bob Wilson", "role": "reader", "active": False}]
SAMPLE_CSV = ("email,name,role,active\n" + "".join(
    f"{u['email']},{u['name']},{u['role']},{str(u['active']).lower()}\n" for u in SAMPLE)).encode()
SAMPLE_FILES = {"csv": SAMPLE_CSV,
                "ndjson": "".join(json.dumps(u) + "\n" for u in SAMPLE).encode(),
                "json": json.dumps(SAMPLE).encode()}
TERMINAL = {"completed", "failed", "cancelled"}
RESUMED_ROWS = 4000  # about 140 kB
RESUMED_USERS = ("email,name,role\n" + "".join(
    f"u{n:04d}@example.com,User {n},reader\n" for n in range(RESUMED_ROWS))).encode()


@define
class Api:
    """The service under test and what the client has seen so far."""

    client: TestClient
    container: Any
    web_folder: Path
    web_base: str = ""
    key: str | None = None
    answers: list[Any] = field(factory=list)
    job: dict[str, Any] = field(factory=dict)

    def headers(self, **extra: str) -> dict[str, str]:
        return {**({"X-API-Key": self.key} if self.key else {}), **extra}

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        kwargs["headers"] = {**self.headers(), **kwargs.get("headers", {})}
        answer = self.client.request(method, path, **kwargs)
        self.answers.append(answer)
        if answer.status_code in (200, 201) and "resourceType" in answer.text[:400] \
                and path.rstrip("/").endswith(("imports", "exports", "cancel", "resume")):
            self.job = answer.json()
        return answer

    def upload(self, data: bytes, name: str = "users.csv", resource: str | None = "users",
               **fields: str) -> Any:
        form = {**({"resourceType": resource} if resource else {}), **fields}
        return self.send("POST", "/v1/imports", files={"file": (name, data)}, data=form)

    def wait(self, kind: str = "imports") -> dict[str, Any]:
        deadline = time.monotonic() + 15
        while True:
            self.job = self.client.get(f"/v1/{kind}/{self.job['id']}", headers=self.headers()).json()
            if self.job["status"] in TERMINAL:
                return self.job
            assert time.monotonic() < deadline, f"job still {self.job['status']}"
            time.sleep(0.05)

    def records(self, resource: str = "users", **params: str) -> list[dict[str, Any]]:
        answer = self.client.get("/v1/exports", params={"resource": resource, "format": "ndjson",
                                                        **params}, headers=self.headers())
        return [json.loads(line) for line in answer.text.splitlines()]


@pytest.fixture(params=["embedded", "postgres"], autouse=True)
def adapter_set(request: pytest.FixtureRequest) -> str:
    """Every scenario runs on both sets (autouse: steps ask for fixtures only at run time)."""
    return request.param


@pytest.fixture(scope="session")
def migrated_pg(pg_url: str) -> Iterator[sa.Engine]:
    upgrade(pg_url)
    engine = sa.create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def base_settings(adapter_set: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", url_allow_hosts=frozenset({"127.0.0.1"}))
    if adapter_set == "embedded":
        return settings
    engine = request.getfixturevalue("migrated_pg")
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return settings.with_(database_url=engine.url.render_as_string(hide_password=False))


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as resources:
        yield resources


def _start(settings: Settings, keys: tuple[str, ...], stack: ExitStack, tmp_path: Path) -> Api:
    container = build(settings.with_(api_keys=keys))
    client = stack.enter_context(TestClient(create_app(container), timeout=30))
    folder = tmp_path / "web"
    folder.mkdir(exist_ok=True)
    return Api(client, container, folder, key=keys[0] if keys else None)


# -- the service ---------------------------------------------------------------------------

@given(parsers.re(r'the service is running with the API keys? "(?P<keys>[^"]+)"'),
       target_fixture="api")
def _(keys: str, base_settings: Settings, stack: ExitStack, tmp_path: Path) -> Api:
    return _start(base_settings, tuple(k.strip() for k in keys.split(",")), stack, tmp_path)


@given("the service is running without API keys", target_fixture="api")
def _(base_settings: Settings, stack: ExitStack, tmp_path: Path) -> Api:
    return _start(base_settings, (), stack, tmp_path)


@given("the workers are stopped")
def _(api: Api) -> None:
    api.container.queue().stop()


@given(parsers.parse('the sample users are published as "{name}"'))
def _(api: Api, name: str, stack: ExitStack) -> None:
    _publish(api, name, SAMPLE_FILES["ndjson"], stack)


@given(parsers.parse('a users file is published as "{name}" with:'))
def _(api: Api, name: str, stack: ExitStack, docstring: str) -> None:
    _publish(api, name, docstring.encode() + b"\n", stack)


def _publish(api: Api, name: str, data: bytes, stack: ExitStack) -> None:
    (api.web_folder / name).write_bytes(data)
    if not api.web_base:  # the folder is not served yet
        api.web_base = stack.enter_context(serving_folder(api.web_folder))


# -- imports -------------------------------------------------------------------------------

@given("the client has imported the sample users")
def _(api: Api) -> None:
    assert api.upload(SAMPLE_CSV).status_code == 201
    api.wait()


@given(parsers.parse("the client has imported the sample users {times:d} times"))
def _(api: Api, times: int) -> None:
    for _ in range(times):
        assert api.upload(SAMPLE_CSV).status_code == 201
        api.wait()


@given("the client has uploaded the sample users")
def _(api: Api) -> None:
    assert api.upload(SAMPLE_CSV).status_code == 201


@given("the client has uploaded a users file with:")
@when("the client uploads a users file with:")
def _(api: Api, docstring: str) -> None:
    assert api.upload(docstring.encode() + b"\n").status_code == 201


@when(parsers.parse('the client uploads a users file with the email "{email}" once composed and '
                    'once decomposed'))
def _(api: Api, email: str) -> None:
    assert api.upload(composed_and_decomposed(email)).status_code == 201


@when(parsers.parse('the client uploads the users file "{name}" with:'))
def _(api: Api, name: str, docstring: str) -> None:
    assert api.upload(docstring.encode() + b"\n", name).status_code == 201


@given("the import job has ended")
def _(api: Api) -> None:
    api.wait()


@when(parsers.re(r'the client uploads the sample users as "(?P<name>[^"]+)" for users'
                 r'(?P<dry> as a dry run)?$'))
def _(api: Api, name: str, dry: str | None) -> None:
    extra = {"dryRun": "true"} if dry else {}
    api.upload(SAMPLE_FILES[name.rsplit(".", 1)[1]], name, **extra)


@when(parsers.parse('the client uploads the sample users as "{name}", naming the resource last'))
def _(api: Api, name: str) -> None:
    api.send("POST", "/v1/imports", files=[("file", (name, SAMPLE_CSV)),
                                            ("resourceType", (None, b"users"))])


@when(parsers.re(r'the client asks to import users from the address of "(?P<name>[^"]+)"'
                 r'(?: with the delimiter "(?P<delimiter>[^"]*)")?$'))
def _(api: Api, name: str, delimiter: str | None) -> None:
    base = api.web_base or "http://127.0.0.1:9"
    given = {} if delimiter is None else {"delimiter": delimiter}
    api.send("POST", "/v1/imports", json={"resourceType": "users", "fileUrl": f"{base}/{name}",
                                          **given})


@when(parsers.re(r'the client uploads a users file (?P<how>in a form|as the raw body) with the '
                 r'delimiter "(?P<delimiter>[^"]*)" and:'))
def _(api: Api, how: str, delimiter: str, docstring: str) -> None:
    data = docstring.encode() + b"\n"
    if how == "in a form":
        api.upload(data, delimiter=delimiter)
    else:
        api.send("POST", "/v1/imports", content=data,
                 params={"resourceType": "users", "fileName": "users.csv",
                         "delimiter": delimiter},
                 headers={"Content-Type": "text/csv"})


@when(parsers.re(r"the client uploads the sample users for (?P<resource>\w+)$"))
def _(api: Api, resource: str) -> None:
    api.upload(SAMPLE_CSV, resource=resource)


@when("the client uploads the sample users for no resource")
def _(api: Api) -> None:
    api.upload(SAMPLE_CSV, resource=None)


@when(parsers.parse('the client uploads the sample users in the format "{fmt}"'))
def _(api: Api, fmt: str) -> None:
    api.upload(SAMPLE_CSV, format=fmt)


@when("the client uploads an empty file for users")
def _(api: Api) -> None:
    api.upload(b"")


@when("the client looks at the import job")
def _(api: Api) -> None:
    api.job = api.send("GET", f"/v1/imports/{api.job['id']}").json()


@when(parsers.parse("the client lists the import jobs {size:d} at a time"),
      target_fixture="listed")
def _(api: Api, size: int) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        params = {"limit": str(size), **({"cursor": cursor} if cursor else {})}
        pages.append(api.send("GET", "/v1/imports", params=params).json())
        cursor = pages[-1]["nextCursor"]
        if cursor is None:
            return pages


@when("the client cancels the import job")
def _(api: Api) -> None:
    api.send("POST", f"/v1/imports/{api.job['id']}/cancel")


@when("the client resumes the import job")
def _(api: Api) -> None:
    api.send("POST", f"/v1/imports/{api.job['id']}/resume")


@when("the client downloads the error report as CSV", target_fixture="report")
def _(api: Api) -> list[dict[str, str]]:
    answer = api.send("GET", f"/v1/imports/{api.job['id']}/errors/report", params={"format": "csv"})
    return list(csv.DictReader(io.StringIO(answer.text)))


@when(parsers.parse('the client fixes the email in the report to "{email}" and uploads it'))
def _(api: Api, report: list[dict[str, str]], email: str) -> None:
    fixed = io.StringIO()
    writer = csv.DictWriter(fixed, ["email", "name", "role", "active"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows({**row, "email": email} for row in report)
    assert api.upload(fixed.getvalue().encode()).status_code == 201


@then("the client is told the import job was accepted and is pending")
def _(api: Api) -> None:
    assert api.answers[-1].status_code == 201
    assert api.answers[-1].json()["status"] == "pending"


@then(parsers.parse("the import job ends completed with {created:d} created and {failed:d} failed"))
def _(api: Api, created: int, failed: int) -> None:
    job = api.wait()
    assert (job["status"], job["createdRows"], job["failedRows"]) == ("completed", created, failed)


@then(parsers.parse("the import job ends completed with {created:d} created, {updated:d} updated "
                    "and {skipped:d} skipped"))
def _(api: Api, created: int, updated: int, skipped: int) -> None:
    job = api.wait()
    assert (job["status"], job["createdRows"], job["updatedRows"], job["skippedRows"]) == (
        "completed", created, updated, skipped)


@then("the service holds these users:")
def _(api: Api, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    held = [[str(r[c]).lower() if isinstance(r[c], bool) else r[c] for c in header]
            for r in api.records()]
    assert held == rows


@given("an import job has failed half-way because the storage went away",
       target_fixture="failed")
def _(api: Api) -> dict[str, Any]:
    # Batches of 500 rows; the first outage fails the job (a deadline of 0); reads break off
    # after 100 kB of the 140 kB file, past the 64 kB read that tells its format.
    api.container.job_settings.override(providers.Object(evolve(
        api.container.settings().jobs, batch_size=500, outage_deadline=timedelta(0))))
    storage = StorageGoingAway(api.container.storage(), after_bytes=100_000)
    api.container.storage.override(providers.Object(storage))
    api.upload(RESUMED_USERS)
    failed = api.wait()
    storage.back()
    assert failed["status"] == "failed" and 0 < failed["processedRows"] < RESUMED_ROWS
    assert f"{failed['processedRows']} rows were processed" in failed["failureReason"]
    return failed


@then("the import job ends completed after the rows it had done, each written once")
def _(api: Api, failed: dict[str, Any]) -> None:
    job = api.wait()
    assert job["status"] == "completed", job["failureReason"]
    assert (job["resumedFromRow"], job["createdRows"], job["updatedRows"]) == (
        failed["processedRows"], RESUMED_ROWS, 0)
    assert len(api.records()) == RESUMED_ROWS


@then(parsers.parse('the import job ends failed because "{reason}"'))
def _(api: Api, reason: str) -> None:
    job = api.wait()
    assert job["status"] == "failed" and reason in job["failureReason"], job
    assert (job["processedRows"], job["failedRows"], job["errorCount"]) == (0, 0, 0)


@then("the import job ends failed with a reason")
def _(api: Api) -> None:
    job = api.wait()
    assert job["status"] == "failed" and job["failureReason"]


@then(parsers.parse('the service holds the users "{emails}"'))
def _(api: Api, emails: str) -> None:
    assert sorted(r["email"] for r in api.records()) == [e.strip() for e in emails.split(",")]


@then("the service holds no users")
def _(api: Api) -> None:
    assert api.records() == []


@then(parsers.parse('the import job shows state "{state}" and phase "{phase}"'))
def _(api: Api, state: str, phase: str) -> None:
    assert (api.job["status"], api.job["phase"]) == (state, phase)


@then("the import job shows 100 percent progress")
def _(api: Api) -> None:
    assert api.job["progressPercentage"] == 100


@then("the import job shows its rows per second, error rate and duration")
def _(api: Api) -> None:
    assert set(api.job["metrics"]) == {"rowsPerSecond", "errorRate", "durationMs"}


@then(parsers.parse("the client sees {count:d} import jobs, newest first, on {pages:d} pages"))
def _(listed: list[dict[str, Any]], count: int, pages: int) -> None:
    jobs = [job for page in listed for job in page["items"]]
    assert len(jobs) == count and len(listed) == pages
    assert [j["createdAt"] for j in jobs] == sorted((j["createdAt"] for j in jobs), reverse=True)


@then(parsers.parse("the listed import job shows {count:d} errors and the first one, in row {row:d}"))
def _(listed: list[dict[str, Any]], count: int, row: int) -> None:
    [job] = [job for page in listed for job in page["items"]]
    assert job["errorCount"] == count
    assert [e["row"] for e in job["errors"]] == [row]


@then(parsers.parse("the import job itself shows its {count:d} errors"))
def _(api: Api, listed: list[dict[str, Any]], count: int) -> None:
    [listed_job] = [job for page in listed for job in page["items"]]
    job = api.send("GET", f"/v1/imports/{listed_job['id']}").json()
    assert job["errorCount"] == len(job["errors"]) == count


@when(parsers.parse("the client uploads a users file with an email of {size:d} characters"))
def _(api: Api, size: int) -> None:
    email = "x" * size
    assert api.upload(f"email,name,role\n{email},Long,reader\n".encode()).status_code == 201


@then(parsers.parse('the import job and its row errors show the email as its first {size:d} '
                    'characters and "…"'))
def _(api: Api, size: int) -> None:
    job = api.send("GET", f"/v1/imports/{api.job['id']}").json()
    page = api.send("GET", f"/v1/imports/{api.job['id']}/errors").json()
    assert [e["value"] for e in job["errors"]] == [e["value"] for e in page["errors"]] \
        == ["x" * size + "…"]


@then("the row errors are:")
def _(api: Api, datatable: list[list[str]]) -> None:
    errors = api.send("GET", f"/v1/imports/{api.job['id']}/errors").json()["errors"]
    header, *rows = datatable
    assert [[str(e[c]) for c in header] for e in errors] == rows


# -- exports -------------------------------------------------------------------------------

@when(parsers.parse("the client streams the users as {fmt}"))
def _(api: Api, fmt: str) -> None:
    api.send("GET", "/v1/exports", params={"resource": "users", "format": fmt})


@when(parsers.parse('the client streams the users with role "{role}" and the columns "{columns}"'))
def _(api: Api, role: str, columns: str) -> None:
    api.send("GET", "/v1/exports", params={"resource": "users", "format": "ndjson", "role": role,
                                           "fields": columns})


@when(parsers.parse('the client asks for an export job of the users as {fmt} with the columns '
                    '"{columns}"'))
def _(api: Api, fmt: str, columns: str) -> None:
    api.send("POST", "/v1/exports", json={"resourceType": "users", "format": fmt,
                                          "fields": columns.split(",")})


@then(parsers.parse('the client receives a "{media}" download named "{name}" with {count:d} users'))
def _(api: Api, media: str, name: str, count: int) -> None:
    answer = api.answers[-1]
    assert answer.headers["content-type"].split(";")[0] == media
    assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert answer.text.count("@example.com") == count


@then("the client receives exactly:")
def _(api: Api, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert [[r[c] for c in header] for r in map(json.loads, api.answers[-1].text.splitlines())] == rows


@then(parsers.parse("the export job ends completed with {count:d} exported rows"))
def _(api: Api, count: int) -> None:
    job = api.wait("exports")
    assert (job["status"], job["exportedRows"]) == ("completed", count)


@then(parsers.parse("the export file downloads with {count:d} users"))
def _(api: Api, count: int) -> None:
    answer = api.client.get(api.job["downloadUrl"], headers=api.headers())
    assert answer.status_code == 200 and answer.text.count("@example.com") == count


# -- idempotency ---------------------------------------------------------------------------

@when(parsers.parse('the client uploads the sample users with the Idempotency-Key "{key}"'))
def _(api: Api, key: str) -> None:
    api.send("POST", "/v1/imports", files={"file": ("users.csv", SAMPLE_CSV)},
             data={"resourceType": "users"}, headers={"Idempotency-Key": key})


@when(parsers.parse('the client uploads other users with the Idempotency-Key "{key}"'))
def _(api: Api, key: str) -> None:
    api.send("POST", "/v1/imports", files={"file": ("users.csv", SAMPLE_CSV + b"x@y.io,X,admin,true\n")},
             data={"resourceType": "users"}, headers={"Idempotency-Key": key})


@when(parsers.parse('another client with the API key "{other}" uploads the sample users with the '
                    'Idempotency-Key "{key}"'))
def _(api: Api, other: str, key: str) -> None:
    api.send("POST", "/v1/imports", files={"file": ("users.csv", SAMPLE_CSV)},
             data={"resourceType": "users"}, headers={"Idempotency-Key": key, "X-API-Key": other})


@then("the second answer replays the first import job")
def _(api: Api) -> None:
    first, second = api.answers[-2], api.answers[-1]
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]


@then(parsers.re(r"there (?:is|are) (?P<count>\d+) import jobs?"))
def _(api: Api, count: str) -> None:
    assert len(api.send("GET", "/v1/imports").json()["items"]) == int(count)


# -- keys and refusals ---------------------------------------------------------------------

@when(parsers.re(r'a client with (?:the API key "(?P<key>[^"]*)"|no API key) lists the import jobs'))
def _(api: Api, key: str | None) -> None:
    api.key = key
    api.send("GET", "/v1/imports")


@then("the client is let in")
def _(api: Api) -> None:
    assert api.answers[-1].status_code == 200


@then(parsers.re(r'the client is refused as "(?P<problem>[^"]+)"'
                 r'(?: about the field "(?P<field>[^"]+)")?$'))
def _(api: Api, problem: str, field: str | None) -> None:
    answer = api.answers[-1]
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == f"https://bulkio.dev/problems/{problem}"
    if field is not None:
        assert [e["field"] for e in answer.json()["errors"]] == [field]


@then("the client is refused because of a conflict")
def _(api: Api) -> None:
    assert api.answers[-1].status_code == 409


@then("a client with no API key can check the service's health and read its documentation")
def _(api: Api) -> None:
    for path in ("/health/live", "/health/ready", "/api/docs", "/api/openapi.json"):
        assert api.client.get(path).status_code == 200, path
    assert api.client.get("/v1/imports").status_code == 401
