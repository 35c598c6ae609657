"""/health: liveness (the process answers) and readiness (database, storage and queue answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from bulkio.entrypoints.http.views import Health
from bulkio.ports.jobs import JobFilter


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
        checks: dict[str, str] = {}
        for name, check in _checks(state.container).items():
            try:
                check()
                checks[name] = "ok"
            except Exception as err:  # noqa: BLE001 - reported, not raised
                checks[name] = f"failed: {err}"
        healthy = all(v == "ok" for v in checks.values())
        return Response({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)
