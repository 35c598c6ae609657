"""The built wheel, installed into a fresh virtualenv away from the source tree, migrates a
PostgreSQL database, imports and exports: it carries its migrations and needs nothing else
from this repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PG_ADMIN_URL

REPOSITORY = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "src", "migrations")
USERS = "email,name,role\nada@example.com,Ada Lovelace,admin\nbob@example.com,Bob,reader\n"


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources (the checkout itself stays untouched)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    for name in SOURCES:
        origin = REPOSITORY / name
        if origin.is_dir():
            shutil.copytree(origin, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
                  str(root / "dist"), str(source)], cwd=root)
    assert built.returncode == 0, built.stderr
    (found,) = (root / "dist").glob("bulkio-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel and its dependencies installed (pip's cache helps)."""
    root = tmp_path_factory.mktemp("venv")
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], cwd=root)
    assert made.returncode == 0, made.stderr
    python = root / "venv" / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", str(python), "install",
                      "--quiet", str(wheel)], cwd=root, timeout=900)
    assert installed.returncode == 0, installed.stderr
    return root / "venv"


@pytest.fixture
def database() -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped afterwards."""
    name = f"bulkio_wheel_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("+psycopg", "") + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_wheel_carries_migrations_and_type_marker_when_built(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"bulkio/py.typed", "bulkio/migrations/env.py", "bulkio/migrations/script.py.mako",
            "bulkio/migrations/versions/0001_initial.py"} <= names
    assert not any(name.startswith(("tests/", "migrations/")) for name in names)


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_installed_wheel_migrates_imports_and_exports_when_run_on_postgres(
    venv: Path, database: str, tmp_path: Path,
) -> None:
    bulkio = str(venv / "bin" / "bulkio")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "DATABASE_URL": database,
           "BULKIO_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "users.csv").write_text(USERS)

    located = _run([str(venv / "bin" / "python"), "-c",
                    "import bulkio, importlib.resources as r; print(bulkio.__file__); "
                    "print(r.files('bulkio.migrations'))"], cwd=tmp_path, env=env)
    assert located.returncode == 0, located.stderr
    assert all(line.startswith(str(venv)) for line in located.stdout.splitlines())

    early = _run([bulkio, "import", "users.csv", "--resource", "users"], cwd=tmp_path, env=env)
    assert early.returncode == 6, early.stderr
    assert early.stderr.strip().splitlines() == [
        early.stderr.strip()] and "run `bulkio migrate`" in early.stderr
    assert "Traceback" not in early.stderr

    migrated = _run([bulkio, "migrate"], cwd=tmp_path, env=env)
    assert migrated.returncode == 0, migrated.stderr
    imported = _run([bulkio, "import", "users.csv", "--resource", "users", "--json"],
                    cwd=tmp_path, env=env)
    assert imported.returncode == 0, imported.stderr
    assert '"createdRows": 2' in imported.stdout
    exported = _run([bulkio, "export", "--resource", "users", "--format", "csv",
                     "--fields", "email,role"], cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.splitlines() == ["email,role", "ada@example.com,admin",
                                            "bob@example.com,reader"]
