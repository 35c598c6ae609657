"""Each HTTP request gets a `request_id` (the client's `X-Request-ID` if it is sane, else a new
one), bound to the log context for everything the request logs, echoed in the response, and one
access line when the response has gone out (method, path, status, duration; never the query,
which may carry filter values, nor any header)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

HEADER = "x-request-id"
_SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("bulkio.http.access")


def request_id_of(scope: Scope) -> str:
    """The caller's request id when it is short and plain, else a fresh UUID."""
    for name, value in scope.get("headers", ()):
        if name == HEADER.encode():
            given = value.decode("latin-1")
            if _SANE.match(given):
                return given
    return str(uuid.uuid4())


class RequestLogMiddleware:
    """ASGI middleware: request id in the log context and the response, and the access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (HEADER.encode(), request_id.encode())]
            await send(message)

        with bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                log.info("%s %s %s", scope["method"], scope["path"], status["code"], extra={
                    "method": scope["method"], "path": scope["path"], "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                })
