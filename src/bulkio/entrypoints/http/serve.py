"""`bulkio serve`: the API and an in-process worker under uvicorn, with the maintenance."""

from __future__ import annotations

import logging

import uvicorn

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http.app import create_app


def serve(settings: Settings, host: str = "0.0.0.0", port: int | None = None,
          log_level: str = "info") -> None:
    """Serve until interrupted; jobs still running get the queue's grace period on shutdown."""
    logging.basicConfig(level=log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(build(settings), maintain=True)
    uvicorn.run(app, host=host, port=port or settings.port, log_level=log_level,
                proxy_headers=True, server_header=False)
