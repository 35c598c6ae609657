"""The hexagon's layers, as import-linter contracts in pyproject.toml, hold for the whole package:
the domain and the ports import no infrastructure, and only the container names adapters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_layer_contract_is_broken_when_the_package_is_analysed() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_the_domain_names_no_infrastructure_when_its_source_is_read() -> None:
    # A second, plainer check that cannot be configured away: no import line in the domain
    # mentions a library outside the standard library and attrs.
    forbidden = ("sqlalchemy", "psycopg", "boto3", "botocore", "redis", "dramatiq", "litestar",
                 "bulkio.adapters", "bulkio.entrypoints", "bulkio.container")
    for source in (ROOT / "src" / "bulkio" / "domain").rglob("*.py"):
        for line in source.read_text().splitlines():
            if line.startswith(("import ", "from ")):
                assert not any(name in line for name in forbidden), f"{source.name}: {line}"
