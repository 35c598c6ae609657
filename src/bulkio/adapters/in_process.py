"""A lock and a queue inside one process: the embedded twins of Redis and Dramatiq."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from bulkio.domain.errors import Unavailable
from bulkio.ports.queue import QueueStats, WorkerSeen

log = logging.getLogger(__name__)


class InProcessLease:
    """A lease on one job id, valid until its `hold` block ends."""

    def __init__(self, lock: InProcessJobLock, job_id: str, owner: str) -> None:
        self._lock, self.job_id, self.owner = lock, job_id, owner

    def renew(self) -> bool:
        """True while this lease still holds its job (it never expires on its own)."""
        return self._lock._holder(self.job_id) is self


class InProcessJobLock:
    """Job id -> lease, in a dict guarded by a thread lock."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._leases: dict[str, InProcessLease] = {}

    @contextmanager
    def hold(self, job_id: str, owner: str) -> Iterator[InProcessLease | None]:
        """Yield a lease, or None when the job is already held; release on exit."""
        lease = InProcessLease(self, job_id, owner)
        with self._guard:
            if job_id in self._leases:
                lease = None
            else:
                self._leases[job_id] = lease
        if lease is None:
            yield None
            return
        try:
            yield lease
        finally:
            with self._guard:
                if self._leases.get(job_id) is lease:
                    del self._leases[job_id]

    def _holder(self, job_id: str) -> InProcessLease | None:
        with self._guard:
            return self._leases.get(job_id)


_STOP = object()
RETRIES = 6  # 0.5 s, 1 s, 2 s … 16 s: about half a minute in all
RETRY_BASE_S = 0.5


class InProcessJobQueue:
    """Worker threads in this process, each running `handler(job_id)` for queued ids."""

    def __init__(self, handler: Callable[[str], None], concurrency: int = 2) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._handler = handler
        self._concurrency = concurrency
        self._queue: queue.Queue[object] = queue.Queue()
        self._state = threading.Condition()
        self._waiting: set[str] = set()
        self._running = 0
        self._threads: list[threading.Thread] = []
        self._stopped = False
        self._retries: dict[str, int] = {}
        self._beats: dict[str, datetime] = {}

    def enqueue_run(self, job_id: str) -> None:
        """Queue the job unless it is already waiting; dropped once the queue has stopped."""
        with self._state:
            if self._stopped:
                # The job row stays pending: the sweep of the next start picks it up.
                log.warning("queue stopped, not running job %s", job_id)
                return
            if job_id in self._waiting:
                return
            self._waiting.add(job_id)
        self._queue.put(job_id)

    def ping(self) -> None:
        """Raise `Unavailable` once the queue has stopped."""
        if self._stopped:
            raise Unavailable("the in-process queue has stopped")

    def beat(self, worker: str) -> None:
        """Remember that `worker` is alive now."""
        with self._state:
            self._beats[worker] = datetime.now(UTC)

    def stats(self) -> QueueStats:
        """Jobs waiting for a thread, and this process's threads (alive now, while started)."""
        now = datetime.now(UTC)
        with self._state:
            workers = [WorkerSeen(name, seen) for name, seen in sorted(self._beats.items())]
            if self._threads and not self._stopped:
                workers.insert(0, WorkerSeen(f"in-process ({len(self._threads)} threads)", now))
            return QueueStats(ready=len(self._waiting), delayed=0, dead=0, workers=tuple(workers))

    def start(self) -> None:
        """Start the worker threads (once)."""
        with self._state:
            if self._threads or self._stopped:
                return
            for number in range(self._concurrency):
                name = f"bulkio-worker-{number}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.append(thread)
                thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Accept nothing new, drop what is still waiting, and wait for running jobs."""
        with self._state:
            self._stopped = True
            self._waiting.clear()
            self._state.notify_all()
        for _ in self._threads:
            self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is waiting or running; False on timeout."""
        with self._state:
            return self._state.wait_for(lambda: not self._waiting and not self._running, timeout)

    def _retry_later(self, job_id: str, err: Unavailable) -> None:
        """Send the job again after a growing pause, as a broker's retries would."""
        with self._state:
            tries = self._retries[job_id] = self._retries.get(job_id, 0) + 1
        if tries > RETRIES:
            log.error("job %s: giving up retrying after %d tries (%s); the sweep may", job_id,
                      RETRIES, err)
            return
        delay = RETRY_BASE_S * 2 ** (tries - 1)
        log.warning("job %s: %s; retrying in %.1fs", job_id, err, delay)
        timer = threading.Timer(delay, self.enqueue_run, args=(job_id,))
        timer.daemon = True
        timer.start()

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is _STOP:
                return
            with self._state:
                if self._stopped or job_id not in self._waiting:
                    continue
                self._waiting.discard(job_id)
                self._running += 1
            try:
                self._handler(job_id)  # type: ignore[arg-type]
            except Unavailable as err:
                self._retry_later(job_id, err)  # type: ignore[arg-type]
            except Exception:
                # One broken job must not take a worker thread down with it.
                log.exception("job %s failed in an in-process worker", job_id)
            finally:
                with self._state:
                    self._running -= 1
                    self._state.notify_all()
