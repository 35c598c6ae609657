"""The in-process queue retries, with a growing pause, a job its runner says to retry."""

from __future__ import annotations

import threading

from bulkio.adapters import in_process
from bulkio.adapters.in_process import InProcessJobQueue
from bulkio.domain.errors import Unavailable


def test_a_job_runs_again_when_its_first_run_asks_for_a_retry(monkeypatch) -> None:
    monkeypatch.setattr(in_process, "RETRY_BASE_S", 0.01)
    calls: list[str] = []
    done = threading.Event()

    def handler(job_id: str) -> None:
        calls.append(job_id)
        if len(calls) < 3:
            raise Unavailable("storage blinked")
        done.set()

    queue = InProcessJobQueue(handler, concurrency=1)
    queue.start()
    try:
        queue.enqueue_run("job-1")
        assert done.wait(5)
    finally:
        queue.stop(timeout=5)
    assert calls == ["job-1"] * 3


def test_retries_end_when_the_job_keeps_asking(monkeypatch) -> None:
    monkeypatch.setattr(in_process, "RETRY_BASE_S", 0.001)
    monkeypatch.setattr(in_process, "RETRIES", 2)
    calls: list[str] = []
    gave_up = threading.Event()

    def handler(job_id: str) -> None:
        calls.append(job_id)
        if len(calls) == 3:
            gave_up.set()
        raise Unavailable("down for good")

    queue = InProcessJobQueue(handler, concurrency=1)
    queue.start()
    try:
        queue.enqueue_run("job-1")
        assert gave_up.wait(5)
    finally:
        queue.stop(timeout=5)
    assert len(calls) == 3  # the first run and two retries
