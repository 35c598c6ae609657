"""`bulkio serve` binds to loopback unless told otherwise and warns when it exposes an API
without keys; `bulkio worker --health-port` answers health checks. Real processes."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.integration.cluster import Cluster

EXPOSED = "authentication off"


def test_serve_listens_on_loopback_without_a_warning_when_no_host_is_given(tmp_path: Path) -> None:
    cluster = Cluster({"BULKIO_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    port = free_port()
    try:
        node = cluster.start("api", ["serve", "--port", str(port)])
        node.wait_for_log(f"running on http://127.0.0.1:{port}")
        assert httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200
        assert EXPOSED not in node.log()
    finally:
        cluster.stop_all()


def test_serve_warns_loudly_when_keys_are_off_on_a_public_address(tmp_path: Path) -> None:
    cluster = Cluster({"BULKIO_DATA_DIR": str(tmp_path / "data"), "API_KEY": ""}, tmp_path)
    try:
        node = cluster.start("api", ["serve", "--host", "0.0.0.0", "--port", str(free_port())])
        node.wait_for_log(f"WARNING: serving on 0.0.0.0 with {EXPOSED}")
        keyed = cluster.start("keyed", ["serve", "--host", "0.0.0.0", "--port", str(free_port())],
                              API_KEY="k1")
        keyed.wait_for_log("running on http://0.0.0.0:")
        assert EXPOSED not in keyed.log()
    finally:
        cluster.stop_all()


def test_worker_answers_health_checks_when_given_a_health_port(cluster: Cluster) -> None:
    port = free_port()
    cluster.start("worker", ["worker", "--threads", "1", "--health-port", str(port)])
    cluster.nodes[-1].wait_for_log("consuming queue")
    live = httpx.get(f"http://127.0.0.1:{port}/health/live")
    ready = httpx.get(f"http://127.0.0.1:{port}/health/ready")
    assert (live.status_code, live.json()["checks"]) == (200, {"worker": "ok"})
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"worker": "ok", "database": "ok", "storage": "ok",
                                      "queue": "ok"}
