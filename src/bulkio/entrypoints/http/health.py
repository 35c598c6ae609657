"""/health: liveness (the process answers) and readiness (database, storage and queue answer).

Each readiness check runs in its own thread with its own timeout (HEALTH_CHECK_TIMEOUT_MS): a
frozen Redis or an S3 endpoint that accepts connections and never answers makes its check fail
after that long, instead of holding the request (and the load balancer's probe) for seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswer
from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from bulkio.entrypoints.http.views import Health
from bulkio.ports.jobs import JobFilter


# Shared and bounded: checks stuck on a dependency that never answers hold at most this many
# threads; further checks of it then time out too, which is the truth.
_CHECKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="bulkio-health")


def _checks(container: Any) -> dict[str, Callable[[], object]]:
    return {
        "database": lambda: container.job_repository().list(JobFilter(limit=1)),
        "storage": lambda: container.storage().ping(),
        "queue": lambda: container.queue().ping(),
    }


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", sync_to_thread=False)
    def live(self) -> Health:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", sync_to_thread=True, responses={
        503: ResponseSpec(Health, description="A dependency failed", generate_examples=False)})
    def ready(self, state: State) -> Response[Health]:
        """Every dependency answers (503 with the failing ones otherwise)."""
        timeout_s = state.container.settings().health_timeout_ms / 1000
        running = {name: _CHECKS.submit(check) for name, check in _checks(state.container).items()}
        checks: dict[str, str] = {}
        for name, future in running.items():  # they run at once: the wait is one timeout
            try:
                future.result(timeout=timeout_s)
                checks[name] = "ok"
            except NoAnswer:
                checks[name] = f"failed: no answer within {timeout_s:g} s"
            except Exception as err:  # noqa: BLE001 - reported, not raised
                checks[name] = f"failed: {err}"
        healthy = all(v == "ok" for v in checks.values())
        return Response({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)
