"""Peak memory of `bulkio serve` while a 1 GB NDJSON file is uploaded as multipart form data.

Starts the server (embedded: SQLite and files in a temporary folder), streams a generated upload
(built on the fly, never held by the client either), and reads the server's peak resident set
size (VmHWM; psutil's sampling when installed). The upload must not be held in memory: the
server's peak should stay far below the file's size.

    python benchmarks/upload_rss.py [--size-mb 1024] [--file-first] [--wait]

By default the import job is cancelled once accepted, so the figure is the upload's alone;
`--wait` lets the worker import every row first and reports the peak after that too.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

BOUNDARY = "bulkio-benchmark-boundary"
CHUNK_LINES = 8192


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ndjson(size: int) -> Iterator[bytes]:
    """`size` bytes of users, one JSON object per line (the last line cut to fit)."""
    sent, number = 0, 0
    while sent < size:
        block = "".join(
            f'{{"email":"user{n}@example.com","name":"User Number {n}","role":"reader","active":true}}\n'
            for n in range(number, number + CHUNK_LINES)
        ).encode()
        number += CHUNK_LINES
        block = block[: size - sent]
        sent += len(block)
        yield block


def multipart(size: int, file_first: bool = False) -> Iterator[bytes]:
    """A form with `resourceType`, `format` and the file, built by hand as it is sent.

    `file_first` puts the fields after the file, as `curl -F file=@… -F resourceType=…` does.
    """
    def field(name: str, value: str) -> bytes:
        return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()

    fields = field("resourceType", "users") + field("format", "ndjson")
    if not file_first:
        yield fields
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
           f"filename=\"users.ndjson\"\r\nContent-Type: application/x-ndjson\r\n\r\n").encode()
    yield from ndjson(size)
    yield b"\r\n"
    if file_first:
        yield fields
    yield f"--{BOUNDARY}--\r\n".encode()


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class PeakMemory:
    """The server's peak RSS: the kernel's high-water mark, or psutil sampling without /proc."""

    def __init__(self, pid: int) -> None:
        self.pid, self.sampled = pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _rss(self) -> int:
        try:
            import psutil  # optional
            return psutil.Process(self.pid).memory_info().rss
        except ImportError:
            return status_kib(self.pid, "VmRSS") * 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.sampled = max(self.sampled, self._rss())
            except (OSError, KeyError):
                return

    def peak(self) -> int:
        try:
            return max(status_kib(self.pid, "VmHWM") * 1024, self.sampled)
        except (OSError, KeyError):
            return self.sampled

    def stop(self) -> None:
        self._stop.set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--wait", action="store_true", help="let the import run to its end")
    parser.add_argument("--file-first", action="store_true", help="send the fields after the file")
    args = parser.parse_args()
    size = args.size_mb * 1024 * 1024
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bulkio = Path(sys.executable).with_name("bulkio")

    with tempfile.TemporaryDirectory(prefix="bulkio-bench-") as data:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_", "REDIS_", "AWS_S3", "API_KEY"))}
        env.update(BULKIO_DATA_DIR=data, PORT=str(port), MAX_UPLOAD_BYTES=str(size + 2**20))
        server = subprocess.Popen([str(bulkio), "serve", "--host", "127.0.0.1",
                                   "--log-level", "warning"], env=env)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            idle = status_kib(server.pid, "VmRSS") * 1024
            memory = PeakMemory(server.pid)
            started = time.monotonic()
            response = httpx.post(
                f"{base}/v1/imports", content=multipart(size, args.file_first), timeout=None,
                headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
            seconds = time.monotonic() - started
            upload_peak = memory.peak()
            if response.status_code != 201:
                raise SystemExit(f"upload refused: {response.status_code} {response.text}")
            job = response.json()
            print(f"uploaded {job['fileSize'] / 2**20:,.0f} MiB in {seconds:.1f}s "
                  f"({job['fileSize'] / 2**20 / seconds:,.0f} MiB/s)")
            print(f"server RSS idle: {idle / 2**20:,.1f} MiB")
            print(f"server peak RSS during the upload: {upload_peak / 2**20:,.1f} MiB")
            if args.wait:
                while job["status"] not in ("completed", "failed", "cancelled"):
                    time.sleep(1)
                    job = httpx.get(f"{base}/v1/imports/{job['id']}").json()
                print(f"import {job['status']}: {job['processedRows']:,} rows, "
                      f"{job['metrics']['rowsPerSecond']:,.0f} rows/s")
                print(f"server peak RSS after the import: {memory.peak() / 2**20:,.1f} MiB")
            else:
                httpx.delete(f"{base}/v1/imports/{job['id']}")
            memory.stop()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
