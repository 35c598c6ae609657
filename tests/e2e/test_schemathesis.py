"""Property-based fuzzing of every documented operation: whatever comes in, never a 5xx.

Schemathesis generates the cases from /api/openapi.json (in-process, through the ASGI app);
hypothesis runs 20 of them per operation.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app
from tests.e2e.conftest import API_KEY

EXAMPLES_PER_OPERATION = 20


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = Path(tmp_path_factory.mktemp("fuzz"))
    container = build(Settings(data_dir=data, api_keys=(API_KEY,)))
    container.init_resources()  # schemathesis' ASGI client does not run the lifespan
    yield schemathesis.openapi.from_asgi("/api/openapi.json", create_app(container))
    container.shutdown_resources()


def fuzz(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": API_KEY}, checks=[not_a_server_error])

    run()


@pytest.mark.slow
def test_api_never_answers_with_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]

    assert len(operations) >= 15
    for operation in operations:
        fuzz(operation)
