"""/queue: what waits for workers and which workers are alive (the dashboard's queue view)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State

from bulkio.domain.errors import Unavailable
from bulkio.domain.jobs import JobStatus
from bulkio.entrypoints.http.dependencies import Clocks, Jobs
from bulkio.entrypoints.http.openapi import documented, problems
from bulkio.entrypoints.http.presenting import present_page
from bulkio.entrypoints.http.views import QueueView, WorkerView
from bulkio.ports.jobs import JobFilter
from bulkio.services import render

WAITING_SHOWN = 50


class QueueController(Controller):
    path = "/queue"
    tags = ["queue"]

    @get("/", sync_to_thread=True, operation_class=documented(), responses=problems(Unavailable))
    def queue(self, request: Request[Any, Any, Any], state: State, jobs: Jobs, clock: Clocks) -> QueueView:
        """Messages ready, delayed (waiting out a retry) and dead-lettered; the workers seen
        lately with their last heartbeat; the oldest jobs still waiting for a worker."""
        stats = state.container.queue().stats()
        waiting = jobs.list(JobFilter(status=JobStatus.PENDING, limit=WAITING_SHOWN))
        return QueueView(
            ready=stats.ready, delayed=stats.delayed, deadLettered=stats.dead,
            workers=[WorkerView(name=w.name, lastSeen=render.instant(w.last_seen))
                     for w in stats.workers],
            waiting=present_page(list(reversed(waiting)), request, jobs, clock),
        )
