"""`bulkio serve`: the API and an in-process worker under uvicorn, with the maintenance."""

from __future__ import annotations

import ipaddress
import logging
import sys

import uvicorn

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http.app import create_app
from bulkio.entrypoints.logs import start
from bulkio.entrypoints.memory import return_freed_memory


def exposure_warning(host: str, settings: Settings) -> str | None:
    """A warning when the API would answer anyone on a non-loopback address without keys."""
    if settings.api_keys:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"WARNING: serving on {host} with authentication off (API_KEY is empty): anyone who "
            f"can reach this address can import, export and read every record. Set API_KEY, "
            f"or serve on 127.0.0.1 behind a proxy that authenticates.")


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None,
          log_level: str | None = None) -> None:
    """Serve until interrupted; jobs still running get the queue's grace period on shutdown.

    Listens on loopback unless `host` says otherwise; warns on standard error and in the log
    when a public address is served without API keys."""
    start(settings.with_(log_level=log_level) if log_level else settings, "serve")
    return_freed_memory()  # uploads' parts leave the process when freed
    container = build(settings)
    container.engine()  # a missing schema or an unreachable database: one error, before serving
    warning = exposure_warning(host, settings)
    if warning:
        print(warning, file=sys.stderr, flush=True)
        logging.getLogger("bulkio.serve").warning(warning)
    app = create_app(container, maintain=True)
    # uvicorn keeps the logging set up above (log_config=None); the app writes the access line.
    uvicorn.run(app, host=host, port=port or settings.port, log_config=None, access_log=False,
                proxy_headers=True, server_header=False)
