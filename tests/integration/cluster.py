"""bulkio nodes as real processes: `bulkio serve` and `bulkio worker` subprocesses sharing one
PostgreSQL database, one Redis and one S3 endpoint, each with its output in a log file.

Every wait is bounded; `Cluster.stop_all()` (the fixture's teardown) kills whatever is left.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import httpx

BULKIO = str(Path(sys.executable).with_name("bulkio"))
READY_TIMEOUT_S = 30.0
# Variables a developer's shell may hold that would silently change a node's configuration.
_OWN_PREFIXES = ("DATABASE_", "REDIS_", "AWS_", "JOB_", "BULKIO_", "API_", "PORT", "EXPORT_",
                 "LOG_", "METRICS_", "WEBHOOK_")

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout: float, what: str,
               interval: float = 0.1) -> T:
    """Call `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port nothing listens on now (for a node to take)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    env.update(PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="200")
    env.update(extra)
    return env


class Node:
    """One `bulkio` subprocess, in its own process group, logging to `<name>.log`."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], workdir: Path,
                 url: str = "") -> None:
        self.name = name
        self.url = url  # where an API node answers
        self.log_path = workdir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [BULKIO, *args], env=dict(env), cwd=workdir, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_log(self, text: str, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait until `text` shows up in the log; fail early if the process exits."""
        def seen() -> bool:
            if text in self.log():
                return True
            assert self.alive(), f"{self.name} exited ({self.process.returncode}):\n{self.log()}"
            return False

        eventually(seen, timeout, f"{text!r} in the log of {self.name}")

    def send(self, sig: signal.Signals) -> None:
        os.killpg(self.pid, sig)

    def stopped(self) -> bool:
        """Whether every thread of the node has stopped (SIGSTOP takes effect a moment after
        `send` returns: until then the node may still begin a transaction)."""
        states = []
        for stat in Path(f"/proc/{self.pid}/task").glob("*/stat"):
            try:
                states.append(stat.read_text().rsplit(")", 1)[1].split()[0])
            except (OSError, IndexError):
                continue  # a thread that ended meanwhile
        return bool(states) and all(state in "tT" for state in states)

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM (after SIGCONT, in case it is paused), then SIGKILL; returns the exit code."""
        if self.alive():
            for sig in (signal.SIGCONT, signal.SIGTERM):
                self._signal_quietly(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_quietly(signal.SIGKILL)
                self.process.wait(timeout)
        self._log.close()
        return self.process.returncode

    def _signal_quietly(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass


class Cluster:
    """Starts nodes on one environment and stops them all at the end."""

    def __init__(self, env: Mapping[str, str], workdir: Path) -> None:
        self.env = dict(env)
        self.workdir = workdir
        self.nodes: list[Node] = []

    def start(self, name: str, args: list[str], url: str = "", **overrides: object) -> Node:
        env = base_env({**self.env, **{k: str(v) for k, v in overrides.items()}})
        node = Node(name, args, env, self.workdir, url)
        self.nodes.append(node)
        return node

    def worker(self, name: str, threads: int = 2, **overrides: object) -> Node:
        """A `bulkio worker`, started and consuming (its start-up sweep done)."""
        node = self.start(name, ["worker", "--threads", str(threads)], BULKIO_WORKER_ID=name,
                          **overrides)
        node.wait_for_log("consuming queue")
        return node

    def api(self, name: str, port: int, **overrides: object) -> Node:
        """A `bulkio serve` on `port`, answering HTTP."""
        node = self.start(name, ["serve", "--host", "127.0.0.1", "--port", str(port)],
                          url=f"http://127.0.0.1:{port}", BULKIO_WORKER_ID=name, **overrides)

        def answers() -> bool:
            assert node.alive(), f"{name} exited ({node.process.returncode}):\n{node.log()}"
            try:
                return httpx.get(f"{node.url}/health/ready", timeout=1.0).status_code == 200
            except httpx.HTTPError:
                return False

        eventually(answers, READY_TIMEOUT_S, f"{name} to answer on port {port}", interval=0.2)
        return node

    def run(self, *args: str, timeout: float = 60.0,
            **overrides: object) -> subprocess.CompletedProcess[str]:
        """Run one `bulkio` command to its end and return its output."""
        env = base_env({**self.env, **{k: str(v) for k, v in overrides.items()}})
        return subprocess.run([BULKIO, *args], env=env, cwd=self.workdir, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def stop_all(self) -> None:
        for node in self.nodes:
            node.stop()
