"""The Litestar application: the API under API_PREFIX behind the API-key guard, health and docs
open, errors as problem details, the container started and stopped with the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from bulkio.entrypoints.http.admin import DashboardController, dashboard_assets
from bulkio.entrypoints.http.auth import ApiKeys, require_api_key
from bulkio.entrypoints.http.dependencies import DEPENDENCIES
from bulkio.entrypoints.http.exports import ExportController
from bulkio.entrypoints.http.health import HealthController
from bulkio.entrypoints.http.imports import ImportController
from bulkio.entrypoints.http.openapi import SECURITY, docs_assets, openapi_config
from bulkio.entrypoints.http.problems import EXCEPTION_HANDLERS
from bulkio.entrypoints.http.queue import QueueController
from bulkio.entrypoints.http.requests_log import RequestLogMiddleware
from bulkio.entrypoints.http.schemas import SchemaController

JSON_BODY_LIMIT = 1024 * 1024  # uploads lift this on their own route
CONCURRENT_UPLOADS = 32  # each holds a worker thread for as long as it streams


def create_app(container: Any, *, maintain: bool = False) -> Litestar:
    """The app for this container; `maintain` also runs the container's maintenance (sweep,
    expired keys and files) in a thread while the app is up."""
    settings = container.settings()
    prefix = f"/{settings.api_prefix}" if settings.api_prefix else "/"
    api = Router(prefix, route_handlers=[ImportController, ExportController, SchemaController,
                                 QueueController],
                 guards=[require_api_key], security=SECURITY)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.uploads = anyio.CapacityLimiter(CONCURRENT_UPLOADS)
        await anyio.to_thread.run_sync(container.init_resources)
        container.metrics().watch(container.queue().stats)
        maintenance = container.maintenance() if maintain else None
        if maintenance is not None:
            maintenance.start()
        try:
            yield
        finally:
            if maintenance is not None:
                maintenance.stop()
            container.webhooks().stop()
            await anyio.to_thread.run_sync(container.shutdown_resources)

    prometheus = PrometheusConfig(app_name="bulkio", prefix="bulkio_http", group_path=True,
                                  exclude=["/metrics"])
    return Litestar(
        route_handlers=[api, HealthController, PrometheusController, DashboardController,
                        dashboard_assets(), *docs_assets()],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(),
        state=State({"container": container, "api_keys": ApiKeys(settings.api_keys),
                     "api_prefix": settings.api_prefix}),
        lifespan=[lifespan],
        request_max_body_size=JSON_BODY_LIMIT,
        middleware=[RequestLogMiddleware, prometheus.middleware],
        logging_config=None,  # the process configures logging (`bulkio serve`), not the app
    )
