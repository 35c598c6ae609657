"""The periodic sweep of a serving process: recover stale jobs, re-send lost ones, forget
expired Idempotency-Keys."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("bulkio.sweep")


class Sweeping:
    """A daemon thread that sweeps at start and then every `every_s` seconds until stopped."""

    def __init__(self, container: Any, every_s: float) -> None:
        self._container, self._every_s = container, every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bulkio-sweep", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def sweep_once(self, first: bool = False) -> None:
        settings = self._container.settings()
        # At start-up an embedded queue is empty: every pending job needs sending again.
        report = self._container.sweeper().sweep(
            requeue_all_pending=first and not settings.distributed_queue)
        purged = self._container.idempotent_requests().purge()
        if report.recovered or report.failed or report.requeued or purged:
            log.info("sweep: %s recovered, %s failed, %s re-sent, %s keys expired",
                     report.recovered, report.failed, report.requeued, purged)

    def _run(self) -> None:
        first = True
        while not self._stopped.is_set():
            try:
                self.sweep_once(first)
            except Exception:
                log.exception("sweep failed; trying again in %ss", self._every_s)
            first = False
            self._stopped.wait(self._every_s)
