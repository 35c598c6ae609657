"""bulkio's production set as child processes, for the HTTP benchmark.

    with ProductionSet(pg_url, redis_url, work) as prod:
        prod.api_url, prod.api.peak_rss_mb(), prod.worker.peak_rss_mb()

Starts an S3 endpoint (moto's `ThreadedMotoServer`, in a child process of its own so its CPU and
memory stay out of the measured ones), one `bulkio worker` and one `bulkio serve`, all on one
PostgreSQL database, one Redis database (keys under a namespace of this run's own, deleted at the
end) and one bucket. Each child runs in its own session and logs to `<name>.log` in `work`.

Peak memory is the kernel's VmHWM of each process. `reset_peaks()` sets it back to the present
resident size (writing 5 to /proc/<pid>/clear_refs, Linux 4.0+), so one pair of processes gives
the peak of every step in turn.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

BULKIO = str(Path(sys.executable).with_name("bulkio"))
READY_TIMEOUT_S = 60.0
# Variables a developer's shell may hold that would point a node elsewhere than this run says.
_OWN_PREFIXES = ("DATABASE_", "REDIS_", "AWS_", "JOB_", "BULKIO_", "API_", "PORT", "EXPORT_",
                 "LOG_", "METRICS_", "WEBHOOK_")
_MOTO = ("import sys, time\n"
         "from moto.server import ThreadedMotoServer\n"
         "ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False).start()\n"
         "print('ready', flush=True)\n"
         "while True:\n"
         "    time.sleep(3600)\n")


class StartFailed(Exception):
    """A child process exited or did not become ready in time."""


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Child:
    """One child process in its own session, logging to `<name>.log`."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], work: Path) -> None:
        self.name = name
        self.log_path = work / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(argv, env=env, cwd=work, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until(self, ready: Any, what: str) -> None:
        """Call `ready()` until it is true; StartFailed if the process exits or time runs out."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready():
            if self.process.poll() is not None:
                raise StartFailed(f"{self.name} exited ({self.process.returncode}):\n"
                                  f"{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise StartFailed(f"{self.name}: no {what} after {READY_TIMEOUT_S:.0f}s:\n"
                                  f"{self.log()[-3000:]}")
            time.sleep(0.2)

    def _status(self, name: str) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
        raise StartFailed(f"{self.name}: no {name} in /proc/{self.pid}/status")

    def peak_rss_mb(self) -> float:
        """The highest resident set size since start or the last `reset_peak` (VmHWM), in MiB."""
        return self._status("VmHWM")

    def rss_mb(self) -> float:
        """The resident set size now (VmRSS), in MiB."""
        return self._status("VmRSS")

    def reset_peak(self) -> None:
        """Set VmHWM back to the present resident size."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the whole session, then SIGKILL."""
        if self.process.poll() is None:
            self.send(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.send(signal.SIGKILL)
                self.process.wait(timeout)
        self._log.close()

    def send(self, sig: signal.Signals) -> None:
        """Send `sig` to the child's whole session (SIGSTOP and SIGCONT pause and resume it)."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass


class ProductionSet:
    """S3 (moto), `bulkio worker` and `bulkio serve` on PostgreSQL + Redis, stopped on exit."""

    def __init__(self, database_url: str, redis_url: str, work: Path,
                 settings: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.redis_url = redis_url
        self.work = work
        self.settings = settings or {}
        self.namespace = f"bulkio-bench-{uuid.uuid4().hex[:10]}"
        self.children: list[Child] = []
        self.api_url = ""
        self.env: dict[str, str] = {}

    def _start(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, env, self.work)
        self.children.append(child)
        return child

    def __enter__(self) -> ProductionSet:
        try:
            self._start_all()
        except BaseException:
            self.close()
            raise
        return self

    def _start_all(self) -> None:
        import boto3

        s3_port = free_port()
        s3 = self._start("s3", [sys.executable, "-c", _MOTO, str(s3_port)], dict(os.environ))
        s3.wait_until(lambda: "ready" in s3.log(), "ready line")
        endpoint = f"http://127.0.0.1:{s3_port}"
        bucket = f"bulkio-bench-{uuid.uuid4().hex[:8]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                     aws_access_key_id="bench", aws_secret_access_key="bench").create_bucket(
            Bucket=bucket)
        env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
        env.update(PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="200",
                   DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                   BULKIO_REDIS_NAMESPACE=self.namespace, AWS_S3_BUCKET=bucket,
                   AWS_S3_ENDPOINT=endpoint, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench", **self.settings)
        self.env = env
        self.worker = self._start("worker", [BULKIO, "worker"], {**env, "BULKIO_WORKER_ID": "bench-worker"})
        self.worker.wait_until(lambda: "consuming queue" in self.worker.log(), "'consuming queue'")
        port = free_port()
        self.api_url = f"http://127.0.0.1:{port}"
        self.api = self._start("api", [BULKIO, "serve", "--host", "127.0.0.1", "--port", str(port)],
                               {**env, "BULKIO_WORKER_ID": "bench-api"})
        self.api.wait_until(self._answers, "answer on /health/ready")

    def extra_worker(self, name: str, threads: int | None = None, **settings: str) -> Child:
        """One more `bulkio worker` on the same database, queue and bucket (with `threads` job
        threads, default JOB_CONCURRENCY, and these environment `settings`), started and ready;
        stop it with `stop_worker`."""
        argv = [BULKIO, "worker"] + ([] if threads is None else ["--threads", str(threads)])
        worker = self._start(name, argv, {**self.env, **settings, "BULKIO_WORKER_ID": name})
        worker.wait_until(lambda: "consuming queue" in worker.log(), "'consuming queue'")
        return worker

    def stop_worker(self, worker: Child) -> None:
        worker.stop()
        self.children.remove(worker)

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health/ready", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            return False

    def reset_peaks(self) -> None:
        """Start a new peak-memory window for the API and the worker."""
        self.api.reset_peak()
        self.worker.reset_peak()

    def peaks(self) -> tuple[float, float]:
        """Peak RSS of the API and the worker since the last `reset_peaks`, in MiB."""
        return self.api.peak_rss_mb(), self.worker.peak_rss_mb()

    def close(self) -> None:
        """Stop every child (API first, S3 last) and delete this run's Redis keys."""
        for child in reversed(self.children):
            child.stop()
        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(client.scan_iter(f"{self.namespace}:*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
