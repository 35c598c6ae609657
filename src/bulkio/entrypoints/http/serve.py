"""`bulkio serve`: the API and an in-process worker under uvicorn, with the maintenance."""

from __future__ import annotations

import uvicorn

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http.app import create_app
from bulkio.entrypoints.logs import start


def serve(settings: Settings, host: str = "0.0.0.0", port: int | None = None,
          log_level: str | None = None) -> None:
    """Serve until interrupted; jobs still running get the queue's grace period on shutdown."""
    start(settings.with_(log_level=log_level) if log_level else settings, "serve")
    app = create_app(build(settings), maintain=True)
    # uvicorn keeps the logging set up above (log_config=None); the app writes the access line.
    uvicorn.run(app, host=host, port=port or settings.port, log_config=None, access_log=False,
                proxy_headers=True, server_header=False)
