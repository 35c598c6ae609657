"""/health: liveness (the process answers) and readiness (database, storage and queue answer).

Each readiness check runs in its own thread with its own timeout (HEALTH_CHECK_TIMEOUT_MS): a
frozen Redis or an S3 endpoint that accepts connections and never answers makes its check fail
after that long, instead of holding the request (and the load balancer's probe) for seconds.
"""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec

from bulkio.entrypoints.http.views import Health
from bulkio.entrypoints.readiness import check_dependencies


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
        checks = check_dependencies(state.container)  # each bounded by HEALTH_CHECK_TIMEOUT_MS
        healthy = all(v == "ok" for v in checks.values())
        return Response({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)
