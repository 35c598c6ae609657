"""compose.yaml and the Dockerfile, checked without a container engine: the compose file against
the Compose Specification's JSON Schema (vendored in tests/schemas/compose-spec), and both
against what bulkio itself accepts (its commands, options and settings)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema.validators import validator_for

from bulkio.config import from_env
from bulkio.entrypoints.cli import main
from bulkio.environment import variables

REPOSITORY = Path(__file__).resolve().parents[2]
SCHEMA = REPOSITORY / "tests" / "schemas" / "compose-spec" / "compose-spec.json"
BULKIO_SERVICES = ("migrate", "api", "worker")
TOOLS = {"pgadmin", "s3-browser", "redis-viewer"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load((REPOSITORY / "compose.yaml").read_text())


def _problems(document: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    validator = validator_for(schema)(schema)
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document))


def test_compose_file_follows_the_compose_specification_when_validated() -> None:
    assert _problems(_compose()) == []


def test_schema_check_finds_a_mistake_when_the_file_has_one() -> None:
    broken = _compose()
    broken["services"]["api"]["healthcheck"]["intervall"] = "2s"
    broken["services"]["worker"]["depends_on"] = {"migrate": {"condition": "finished"}}
    assert len(_problems(broken)) == 2


def test_every_bulkio_service_has_a_health_check_or_finishes_when_started() -> None:
    services = _compose()["services"]
    for name in ("api", "worker", "postgres", "redis", "s3"):
        assert services[name]["healthcheck"]["test"], name
    worker = services["worker"]
    port = worker["command"][worker["command"].index("--health-port") + 1]
    assert f"127.0.0.1:{port}/health/ready" in " ".join(worker["healthcheck"]["test"])
    assert services["migrate"]["restart"] == "no"


def test_s3_is_a_maintained_server_and_bulkio_creates_the_bucket_when_composed() -> None:
    services = _compose()["services"]
    images = {name: service.get("image", "") for name, service in services.items()}
    assert not any("minio" in image for image in images.values())
    assert images["s3"].startswith("chrislusf/seaweedfs:")
    assert services["migrate"]["command"] == ["bulkio", "migrate"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_tools_profile_has_pgadmin_an_s3_browser_and_a_redis_viewer_when_composed() -> None:
    services = _compose()["services"]
    in_tools = {name for name, service in services.items() if service.get("profiles") == ["tools"]}
    assert in_tools == TOOLS
    assert "pgadmin4" in services["pgadmin"]["image"]


@pytest.mark.parametrize("service", BULKIO_SERVICES)
def test_each_bulkio_command_parses_when_composed(service: str) -> None:
    command = _compose()["services"][service]["command"]
    assert command[0] == "bulkio"
    result = CliRunner().invoke(main, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output


def test_compose_settings_are_variables_bulkio_reads_and_valid_when_defaulted() -> None:
    env = _compose()["x-bulkio"]["environment"]
    defaulted = {name: re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
                 for name, value in env.items()}
    assert set(defaulted) <= set(variables())
    settings = from_env(defaulted)
    assert settings.s3_bucket == "bulkio" and settings.s3_secret_access_key == "bulkio-secret"


def test_dockerfile_installs_a_built_wheel_in_a_second_stage_when_read() -> None:
    text = (REPOSITORY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+", text, re.MULTILINE)
    assert len(stages) == 2, stages
    assert "pip install -e" not in text and "pip wheel" in text
    assert re.search(r"^HEALTHCHECK ", text, re.MULTILINE)
    data_dir = re.search(r"BULKIO_DATA_DIR=(\S+)", text)
    assert data_dir and f"install -d -o bulkio -g bulkio {data_dir.group(1)}" in text
    assert re.search(r"^USER bulkio$", text, re.MULTILINE)
