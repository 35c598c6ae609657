"""Readiness: does every dependency of this process answer? Shared by the API's /health/ready
and the worker's health endpoint.

The checks run at once, each bounded by HEALTH_CHECK_TIMEOUT_MS: a dependency that never answers is
reported as failed after that long, instead of holding the probe (and its caller) for ever.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswer
from typing import Any

from bulkio.ports.jobs import JobFilter

# Shared and bounded: checks stuck on a dependency that never answers hold at most this many
# threads; further checks of it then time out too, which is the truth.
_CHECKS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="bulkio-health")


def _checks(container: Any) -> dict[str, Callable[[], object]]:
    return {
        "database": lambda: container.job_repository().list(JobFilter(limit=1)),
        "storage": lambda: container.storage().ping(),
        "queue": lambda: container.queue().ping(),
    }


def check_dependencies(container: Any) -> dict[str, str]:
    """Each dependency's state: "ok" or "failed: why" (no answer within HEALTH_CHECK_TIMEOUT_MS)."""
    timeout_s = container.settings().health_timeout_ms / 1000
    running = {name: _CHECKS.submit(check) for name, check in _checks(container).items()}
    checks: dict[str, str] = {}
    for name, future in running.items():  # they run at once: the wait is one timeout
        try:
            future.result(timeout=timeout_s)
            checks[name] = "ok"
        except NoAnswer:
            checks[name] = f"failed: no answer within {timeout_s:g} s"
        except Exception as err:  # noqa: BLE001 - reported, not raised
            checks[name] = f"failed: {err}"
    return checks
