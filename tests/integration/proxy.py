"""A TCP proxy between bulkio nodes and a service, to take the service away and bring it back.

    with Outage.of("127.0.0.1", 5000, bytes_per_s=400_000) as s3:
        node = cluster.worker(..., AWS_S3_ENDPOINT=s3.url)
        s3.down()   # open connections are cut, new ones are refused
        s3.up()

`bytes_per_s` paces what the service sends back, the way a remote one would, so that a client
is still reading a body when the outage starts (on loopback the kernel would otherwise hand it
the whole file at once).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterator

CHUNK = 16 * 1024


class Outage:
    """Forwards 127.0.0.1:<port> to a target; `down()` cuts it off until `up()`."""

    def __init__(self, host: str, port: int, bytes_per_s: int | None = None) -> None:
        self._target = (host, port)
        self._pause = CHUNK / bytes_per_s if bytes_per_s else 0.0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._guard = threading.Lock()
        self._down = threading.Event()
        self._closed = threading.Event()
        self.cut = 0  # connections cut or refused while down

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    @contextlib.contextmanager
    def of(cls, host: str, port: int, bytes_per_s: int | None = None) -> Iterator[Outage]:
        proxy = cls(host, port, bytes_per_s)
        thread = threading.Thread(target=proxy._accept, daemon=True, name="outage-proxy")
        thread.start()
        try:
            yield proxy
        finally:
            proxy._closed.set()
            proxy._listener.close()
            proxy._cut_all()
            thread.join(5)

    def down(self) -> None:
        """Cut every open connection and refuse new ones."""
        self._down.set()
        self._cut_all()

    def up(self) -> None:
        self._down.clear()

    def _cut_all(self) -> None:
        with self._guard:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            self.cut += 1
            with contextlib.suppress(OSError):
                # An abortive close (RST), the way a dropped network path ends for a client;
                # shutdown first, or a thread blocked on the socket keeps it open.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._down.is_set():
                self.cut += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._guard:
                self._open.update((client, upstream))
            for source, sink, pause in ((client, upstream, 0.0), (upstream, client, self._pause)):
                threading.Thread(target=self._pipe, args=(source, sink, pause), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, pause: float) -> None:
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    break
                sink.sendall(data)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass
        finally:
            with self._guard:
                self._open.difference_update((source, sink))
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
