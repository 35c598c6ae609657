"""The app in-process on an embedded container (SQLite and files in a temp folder, the real
in-process worker), a client that sends the API key, and a local web server for URL imports."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from bulkio.config import Settings
from bulkio.container import Container, build
from bulkio.entrypoints.http import create_app
from tests.local_http import serving_folder

API_KEY = "e2e-secret-key"
TERMINAL = {"completed", "failed", "cancelled"}
SEED_CSV = (b"email,name,role,active\n"
            b"john@example.com,John Doe,admin,true\n"
            b"jane@example.com,Jane Smith,editor,true\n"
            b"bob@example.com,Bob Wilson,reader,false\n")
SEED_NDJSON = (b'{"email":"john@example.com","name":"John Doe","role":"admin","active":true}\n'
               b'{"email":"jane@example.com","name":"Jane Smith","role":"editor","active":true}\n'
               b'{"email":"bob@example.com","name":"Bob Wilson","role":"reader","active":false}\n')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=(API_KEY,),
                    url_allow_hosts=frozenset({"127.0.0.1"}))


@pytest.fixture
def container(settings: Settings) -> Container:
    return build(settings)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), timeout=30) as test_client:
        test_client.headers["X-API-Key"] = API_KEY
        yield test_client


def wait_for(client: TestClient, location: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a job until it ends. The bound is generous: it only says when to give up on a job
    that never ends, and a loaded CI machine can take many times its usual second."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location)
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in TERMINAL:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {job['status']} after {timeout}s: {job}")
        time.sleep(0.05)


def upload(client: TestClient, data: bytes, resource: str = "users", name: str = "users.csv",
           **fields: str) -> Any:
    return client.post("/v1/imports", files={"file": (name, data)},
                       data={"resourceType": resource, **fields})


@pytest.fixture
def imported(client: TestClient) -> Callable[..., dict[str, Any]]:
    """Import a file and wait until its job ends."""
    def run(data: bytes, resource: str = "users", name: str = "users.csv", **fields: str) -> dict:
        response = upload(client, data, resource, name, **fields)
        assert response.status_code == 201, response.text
        return wait_for(client, f"/v1/imports/{response.json()['id']}")
    return run


@pytest.fixture
def web_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1, and its base URL."""
    folder = tmp_path / "web"
    folder.mkdir()
    with serving_folder(folder) as url:
        yield folder, url
