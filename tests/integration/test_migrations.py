"""The Alembic migrations build exactly the schema the adapters' tables describe."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

import bulkio
from bulkio.adapters.sql.engine import create_engine_for
from bulkio.adapters.sql.migrate import downgrade, upgrade
from bulkio.adapters.sql.tables import metadata
from bulkio.domain.errors import SchemaMissing
from bulkio.entrypoints.cli import main
from bulkio.entrypoints.exits import ExitCode

pytestmark = pytest.mark.services


@pytest.fixture
def empty_pg_url(pg_url: str) -> Iterator[str]:
    """A database of its own, created empty for one test and dropped after it."""
    name = f"bulkio_migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def differences(url: str) -> list:
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_to_head_builds_exactly_the_tables_when_database_is_empty(empty_pg_url: str) -> None:
    upgrade(empty_pg_url)

    assert differences(empty_pg_url) == []
    assert table_names(empty_pg_url) == {*metadata.tables, "alembic_version"}


def test_upgrade_changes_nothing_when_already_at_head(empty_pg_url: str) -> None:
    upgrade(empty_pg_url)

    upgrade(empty_pg_url)

    assert differences(empty_pg_url) == []


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(empty_pg_url: str) -> None:
    upgrade(empty_pg_url)

    downgrade(empty_pg_url)

    assert table_names(empty_pg_url) == {"alembic_version"}
    upgrade(empty_pg_url)
    assert differences(empty_pg_url) == []


def test_migrations_build_the_same_schema_on_sqlite_when_run_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bulkio.db"

    upgrade(url)

    assert differences(url) == []
    downgrade(url)
    assert table_names(url) == {"alembic_version"}


@pytest.mark.parametrize("entry", ["python", "cli"])
def test_missing_schema_is_one_error_saying_to_migrate_when_bulkio_starts(
    empty_pg_url: str, entry: str, tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": empty_pg_url, "BULKIO_DATA_DIR": str(tmp_path / "data")}
    if entry == "python":
        with pytest.raises(SchemaMissing, match=r"no bulkio schema: run `bulkio migrate`"):
            bulkio.open(env)
        return
    result = CliRunner().invoke(main, ["jobs"], env={**env, "REDIS_URL": "", "AWS_S3_BUCKET": ""})
    assert result.exit_code == ExitCode.UNAVAILABLE
    assert result.stderr.strip().count("\n") == 0 and "run `bulkio migrate`" in result.stderr


def test_an_older_schema_is_refused_until_migrated_when_bulkio_starts(
    empty_pg_url: str, tmp_path: Path,
) -> None:
    upgrade(empty_pg_url, "0001")
    env = {"DATABASE_URL": empty_pg_url, "BULKIO_DATA_DIR": str(tmp_path / "data")}
    with pytest.raises(SchemaMissing, match=r"older bulkio schema \(0001\): run `bulkio migrate`"):
        bulkio.open(env)
    upgrade(empty_pg_url)
    bulkio.open(env).close()


def test_the_heads_read_from_the_scripts_are_alembics_when_bulkio_checks_the_schema() -> None:
    from alembic.script import ScriptDirectory

    from bulkio.adapters.sql.migrate import alembic_config, script_heads

    assert script_heads() == set(ScriptDirectory.from_config(alembic_config("")).get_heads())
