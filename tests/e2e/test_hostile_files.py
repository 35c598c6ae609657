"""Broken, oversized and hostile files over HTTP: every valid row kept, every bad one explained
with a short preview, and the job views small whatever the rows held."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient

Imported = Callable[..., dict[str, Any]]
MB = 1024 * 1024


def _users(count: int, broken: int | None = None) -> bytes:
    lines = ["email,name,role"]
    lines += [f'u{i}@example.com,"User {i}' if i == broken else f"u{i}@example.com,User {i},reader"
              for i in range(1, count + 1)]
    return ("\n".join(lines) + "\n").encode()


def test_rows_after_an_unclosed_quote_are_imported_when_uploaded(imported: Imported) -> None:
    job = imported(_users(2_000, broken=500))

    assert (job["status"], job["successfulRows"], job["failedRows"]) == ("completed", 1_999, 1)
    [error] = job["errors"]
    assert (error["row"], error["line"], error["code"]) == (500, 501, "malformed_row")
    assert error["message"].startswith("unterminated quoted field starting at line 501")


def test_error_report_keeps_the_cells_of_a_row_that_is_not_utf8(client: TestClient,
                                                                  imported: Imported) -> None:
    job = imported("email,name,role\nrene@example.com,René,reader\n".encode("latin-1"))
    report = client.get(f"/v1/imports/{job['id']}/errors/report", params={"format": "csv"})

    [row] = list(csv.DictReader(io.StringIO(report.text)))
    assert (row["email"], row["name"], row["role"]) == ("rene@example.com", "Ren\ufffd", "reader")
    assert row["_error_code"] == "malformed_row"


def test_job_views_stay_small_when_rows_hold_huge_values(client: TestClient,
                                                         imported: Imported) -> None:
    huge = [{"email": f"h{i}@example.com", "name": "N" * (3 * MB), "role": "reader"} for i in range(3)]
    long_but_allowed = {"email": "l@example.com", "name": "L" * MB, "role": "reader"}
    data = b"".join(json.dumps(r).encode() + b"\n" for r in [*huge, long_but_allowed])
    job = imported(data, name="users.ndjson")

    assert (job["status"], job["failedRows"]) == ("completed", 4)
    one = client.get(f"/v1/imports/{job['id']}")
    listed = client.get("/v1/imports")
    errors = client.get(f"/v1/imports/{job['id']}/errors")
    for response in (one, listed, errors):
        assert response.status_code == 200 and len(response.content) < 20_000, len(response.content)
    values = [e["value"] for e in one.json()["errors"]]
    assert all(len(v) <= 201 for v in values) and values[0].startswith("N" * 100)
    assert "longer than the limit of 2,097,152 characters" in one.json()["errors"][0]["message"]


def test_an_exported_long_article_is_imported_again_over_http(client: TestClient,
                                                              imported: Imported) -> None:
    author = imported(b"id,email,name,role\n"
                      b"7f1c2a9e-4b3d-4c8e-9a1f-2b3c4d5e6f70,ann@example.com,Ann,author\n")
    assert author["successfulRows"] == 1
    body = " ".join(f"{i:021d}" for i in range(50_000))  # 1.1 MB, the word limit
    article = {"slug": "long-read", "title": "Long", "status": "draft", "body": body,
               "author_id": "7f1c2a9e-4b3d-4c8e-9a1f-2b3c4d5e6f70"}
    first = imported(json.dumps(article).encode(), resource="articles", name="a.ndjson")
    assert (first["successfulRows"], first["failedRows"]) == (1, 0), first["errors"]

    exported = client.get("/v1/exports", params={"resource": "articles", "format": "csv"})
    again = imported(exported.content, resource="articles", name="articles.csv")

    assert (again["skippedRows"], again["failedRows"]) == (1, 0), again["errors"]


def test_error_report_keeps_the_values_of_an_ndjson_line_that_is_not_utf8(
        client: TestClient, imported: Imported) -> None:
    line = '{"email": "rene@example.com", "name": "René", "role": "reader"}\n'.encode("latin-1")
    job = imported(line, name="users.ndjson")
    report = client.get(f"/v1/imports/{job['id']}/errors/report", params={"format": "ndjson"})

    [row] = [json.loads(text) for text in report.text.splitlines()]
    assert (row["email"], row["name"], row["role"]) == ("rene@example.com", "Ren\ufffd", "reader")
    assert row["_error_message"] == "line is not valid UTF-8 text"
