"""The periodic sweep of a serving process: recover stale jobs, re-send lost ones, forget
expired Idempotency-Keys."""

from __future__ import annotations

import logging
from typing import Any

from bulkio.services.sweep import PeriodicSweep

log = logging.getLogger("bulkio.sweep")


class Sweeping:
    """The serving process's sweep: at start and then every `every_s` seconds until stopped."""

    def __init__(self, container: Any, every_s: float) -> None:
        self._container = container
        self._periodic = PeriodicSweep(self.sweep_once, every_s)

    def start(self) -> None:
        self._periodic.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._periodic.stop(timeout)

    def sweep_once(self, first: bool = False) -> None:
        settings = self._container.settings()
        # At start-up an embedded queue is empty: every pending job needs sending again.
        report = self._container.sweeper().sweep(
            requeue_all_pending=first and not settings.distributed_queue)
        purged = self._container.idempotent_requests().purge()
        if report.recovered or report.failed or report.requeued or purged:
            log.info("sweep: %s recovered, %s failed, %s re-sent, %s keys expired",
                     report.recovered, report.failed, report.requeued, purged)
