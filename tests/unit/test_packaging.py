"""What the wheel ships: every package of the source tree, the migrations as
`bulkio.migrations`, and the `py.typed` marker (the built wheel itself is tested in
tests/integration/test_wheel.py)."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from setuptools import find_packages

from bulkio.adapters.sql.migrate import migrations_dir

REPOSITORY = Path(__file__).resolve().parents[2]


def test_every_source_package_and_the_migrations_are_listed_when_packaged() -> None:
    listed = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(str(REPOSITORY / "src")))
    found |= {f"bulkio.{p}" for p in find_packages(str(REPOSITORY), include=["migrations*"])}
    assert set(listed["packages"]) == found
    assert listed["package-dir"]["bulkio.migrations"] == "migrations"


def test_migrations_are_found_through_the_package_when_looked_up() -> None:
    found = Path(migrations_dir())
    assert found == Path(str(files("bulkio.migrations")))
    assert (found / "env.py").is_file() and (found / "script.py.mako").is_file()
    assert sorted(p.name for p in (found / "versions").glob("0*.py"))[0] == "0001_initial.py"


def test_the_package_declares_its_types_when_installed() -> None:
    assert (files("bulkio") / "py.typed").is_file()
