"""Acceptance specs: bulkio driven through its Python API, every scenario twice: on the embedded
set (SQLite, local files, in-process worker) and on the production set (PostgreSQL, S3, Redis
lock, Dramatiq worker), each time on fresh, empty storage."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from bulkio.api import Bulkio
from tests.production import embedded_bulkio, production_bulkio

from .steps.exports import *  # noqa: F403 - step definitions are fixtures
from .steps.files import *  # noqa: F403
from .steps.cli import *  # noqa: F403
from .steps.jobs import *  # noqa: F403
from .steps.records import *  # noqa: F403

OpenBulkio = Callable[..., Bulkio]


ADAPTER_SETS = ("embedded", "production")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Steps ask for `bio` while they run, after collection: so every scenario of the product
    # specs is parametrized here, up front, over the adapter sets. The API specs drive their own
    # HTTP app and are left alone.
    if metafunc.module.__name__.split(".")[-1].startswith("test_api"):
        return
    if "adapter_set" not in metafunc.fixturenames:
        metafunc.fixturenames.append("adapter_set")
    metafunc.parametrize("adapter_set", ADAPTER_SETS)


@pytest.fixture
def open_bulkio(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenBulkio]:
    """Opens bulkio on this run's adapter set with setting overrides (environment names);
    everything opened is closed after the scenario. The first opening starts from empty storage."""
    with ExitStack() as stack:
        opened: list[Bulkio] = []

        def open_(**overrides: object) -> Bulkio:
            if request.getfixturevalue("adapter_set") == "embedded":
                folder = tmp_path / f"data-{len(opened)}"
                handle = stack.enter_context(embedded_bulkio(folder, **overrides))
            else:
                services = [request.getfixturevalue(name) for name in
                            ("pg_url", "redis_url", "s3_endpoint", "s3_bucket")]
                handle = stack.enter_context(
                    production_bulkio(*services, fresh=not opened, **overrides))
            opened.append(handle)
            return handle

        yield open_


@pytest.fixture
def bio(open_bulkio: OpenBulkio) -> Bulkio:
    return open_bulkio()


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


@pytest.fixture
def files() -> dict[str, Path]:
    """The files a scenario wrote, by name."""
    return {}


@pytest.fixture
def known_ids() -> dict[str, str]:
    """Ids of records a scenario created first (author, article), for generated files."""
    return {}
