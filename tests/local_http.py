"""One way for tests to serve HTTP on 127.0.0.1: a threaded stdlib server on a free port,
started in a daemon thread and shut down when the block ends."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that writes no access log: test output is not the place for one."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return


class _QuietFiles(QuietHandler, SimpleHTTPRequestHandler):
    pass


@contextmanager
def serving(handler: Any) -> Iterator[str]:
    """Serve `handler` (a `BaseHTTPRequestHandler` class or factory) on 127.0.0.1 and yield the
    base URL, `http://127.0.0.1:PORT`, until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serving_folder(folder: Path) -> Iterator[str]:
    """Serve the files of `folder` (GET only) and yield the base URL."""
    with serving(functools.partial(_QuietFiles, directory=str(folder))) as url:
        yield url
