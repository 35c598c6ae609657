"""Acceptance specs: bulkio driven through its Python API on the embedded set (SQLite, local
files, in-process worker), one fresh data folder per scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bulkio
import pytest
from bulkio.api import Bulkio
from bulkio.config import Settings

from .steps.exports import *  # noqa: F403 - step definitions are fixtures
from .steps.files import *  # noqa: F403
from .steps.jobs import *  # noqa: F403
from .steps.records import *  # noqa: F403


@pytest.fixture
def bio(tmp_path: Path) -> Iterator[Bulkio]:
    handle = bulkio.open(Settings(data_dir=tmp_path / "data"))
    yield handle
    handle.close()


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
