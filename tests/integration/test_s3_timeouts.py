"""A hung S3 server is noticed within the configured timeouts, not botocore's 60 s default.

The endpoint is a real local socket: one server accepts connections and never answers, another
answers a request's headers and a few bytes of its body, then goes silent. The storage is built
the way every bulkio process builds it, from `AWS_S3_*` variables through the container.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bulkio.adapters.s3_storage import REQUEST_ATTEMPTS
from bulkio.config import from_env
from bulkio.container import build
from bulkio.domain.errors import Unavailable
from bulkio.ports.storage import FileStorage

TIMEOUT_MS = 300
# Every attempt may wait out both timeouts, plus botocore's pause before its retry (under a
# second): far below the 60 s read timeout (times its retries) a hung server cost before.
BOUND_S = REQUEST_ATTEMPTS * 2 * TIMEOUT_MS / 1000 + 5


class SilentServer:
    """Accepts connections on 127.0.0.1, reads each request's head, sends `answer` (nothing by
    default) and then holds the connection open without a word more, until `close`."""

    def __init__(self, answer: bytes = b"") -> None:
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._closed = threading.Event()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            self._held.append(conn)
            head = b""
            while b"\r\n\r\n" not in head and (piece := conn.recv(65536)):
                head += piece
            conn.sendall(self._answer)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        for conn in self._held:
            conn.close()


def storage_at(url: str) -> FileStorage:
    settings = from_env({
        "AWS_S3_BUCKET": "bulkio", "AWS_S3_ENDPOINT": url, "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_CONNECT_TIMEOUT_MS": str(TIMEOUT_MS), "AWS_S3_READ_TIMEOUT_MS": str(TIMEOUT_MS),
    })
    return build(settings).storage()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def stalling() -> Iterator[SilentServer]:
    """Answers with the headers of a 1,000-byte file and its first six bytes."""
    server = SilentServer(b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n"
                          b"Content-Length: 1000\r\n\r\nemail\n")
    yield server
    server.close()


def test_timeouts_default_to_5_s_to_connect_and_30_s_to_read_when_unset() -> None:
    settings = from_env({})
    assert (settings.s3_connect_timeout_s, settings.s3_read_timeout_s) == (5.0, 30.0)


@pytest.mark.parametrize("call", [
    pytest.param(lambda storage: storage.ping(), id="ping"),
    pytest.param(lambda storage: storage.size("uploads/a.csv"), id="size"),
    pytest.param(lambda storage: storage.open_reader("uploads/a.csv"), id="open_reader"),
    pytest.param(lambda storage: storage.put("uploads/a.csv", [b"email\n"]), id="put"),
])
def test_a_server_that_never_answers_is_unavailable_within_the_timeouts(
        silent: SilentServer, call) -> None:
    storage = storage_at(silent.url)
    started = time.monotonic()

    with pytest.raises(Unavailable, match="ReadTimeout"):
        call(storage)

    assert time.monotonic() - started < BOUND_S


def test_a_file_whose_body_stops_coming_is_unavailable_within_the_read_timeout(
        stalling: SilentServer) -> None:
    storage = storage_at(stalling.url)
    with storage.open_reader("uploads/a.csv") as reader:
        started = time.monotonic()
        with pytest.raises(Unavailable, match="reading from S3 failed: ReadTimeout"):
            reader.read()

    assert time.monotonic() - started < BOUND_S
