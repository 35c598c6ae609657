"""The worker's health endpoint: `bulkio worker --health-port N` answers
`GET /health/live` (its consumer and sweep threads run) and `GET /health/ready` (live, and the
database, storage and queue answer), 200 or 503 with a JSON body like the API's."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bulkio.entrypoints.readiness import check_dependencies


def serve_health(host: str, port: int, alive: Callable[[], bool],
                 container: Any) -> ThreadingHTTPServer:
    """Start answering health checks in a daemon thread; `shutdown()` the result to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            if self.path not in ("/health/live", "/health/ready"):
                self._answer(404, {"status": "not found"})
                return
            checks = {"worker": "ok" if alive() else "failed: worker threads stopped"}
            if self.path == "/health/ready":
                checks.update(check_dependencies(container))
            healthy = all(state == "ok" for state in checks.values())
            self._answer(200 if healthy else 503,
                         {"status": "ok" if healthy else "unavailable", "checks": checks})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass  # a probe every few seconds is not worth a log line

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="bulkio-health").start()
    return server
