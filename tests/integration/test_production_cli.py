"""The operator's path on the production set, command by command: migrate an empty database,
start a worker, import a file through the queue, export it back (docs/production.md)."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.integration.cluster import Cluster
from tests.integration.files import user, write_users_ndjson

pytestmark = pytest.mark.services


@pytest.fixture
def empty_cluster(cluster: Cluster, pg_url: str) -> Iterator[Cluster]:
    """The cluster's environment, on a database of its own that holds no table at all."""
    name = f"bulkio_cli_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    cluster.env["DATABASE_URL"] = pg_url.rsplit("/", 1)[0] + "/" + name
    yield cluster
    cluster.stop_all()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_migrate_worker_import_and_export_work_when_run_as_documented(
    empty_cluster: Cluster, tmp_path: Path,
) -> None:
    source = write_users_ndjson(tmp_path / "users.ndjson", range(250))

    migrated = empty_cluster.run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "latest schema" in migrated.stderr  # messages go to standard error
    worker = empty_cluster.worker("worker-1")
    imported = empty_cluster.run("import", str(source), "--resource", "users", "--quiet")
    exported = empty_cluster.run("export", "--resource", "users", "--format", "csv",
                                 "-o", str(tmp_path / "out.csv"))

    assert imported.returncode == 0, imported.stderr
    assert "completed: 250 rows, 250 created, 0 updated, 0 skipped, 0 failed" in imported.stderr
    assert "attempt 1 (run 1) taken by worker-1" in worker.log()  # the worker ran it, not the CLI
    assert exported.returncode == 0, exported.stderr
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as out:
        rows = list(csv.DictReader(out))
    assert len(rows) == 250
    assert {r["email"] for r in rows} == {user(n)["email"] for n in range(250)}
    seventh = next(r for r in rows if r["email"] == "user000007@example.com")
    assert (seventh["name"], seventh["role"], seventh["active"]) == ("User 7", "author", "true")
    assert worker.stop() == 0  # SIGTERM: a clean stop
    assert "worker worker-1 stopped" in worker.log()


def test_migrate_changes_nothing_when_run_again(empty_cluster: Cluster) -> None:
    assert empty_cluster.run("migrate").returncode == 0

    again = empty_cluster.run("migrate")

    assert again.returncode == 0, again.stderr


def test_a_nul_in_one_row_fails_only_that_row_when_imported_on_postgresql(
    cluster: Cluster, tmp_path: Path,
) -> None:
    source = tmp_path / "users.ndjson"
    source.write_text('{"email": "ann@example.com", "name": "Ann", "role": "admin"}\n'
                      '{"email": "bob@example.com", "name": "B\\u0000b", "role": "admin"}\n'
                      '{"email": "cy@example.com", "name": "Cy", "role": "reader"}\n')
    cluster.worker("worker-1")

    imported = cluster.run("import", str(source), "--resource", "users")

    said = imported.stdout + imported.stderr
    assert imported.returncode == 0, said
    assert "completed: 3 rows, 2 created, 0 updated, 0 skipped, 1 failed" in " ".join(said.split())
    assert "row 2 name [invalid_character]" in said
    for leak in ("INSERT", "SELECT", "ann@example.com", "cy@example.com", "DataError"):
        assert leak not in said
