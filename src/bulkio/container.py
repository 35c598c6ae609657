"""The composition root: the only module that names concrete adapter classes.

`build(settings)` picks one adapter per port: the embedded set when nothing is configured
(SQLite, local folder, in-process queue and lock), production adapters for what is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dependency_injector import containers, providers

from bulkio.adapters.clock import SystemClock, Uuid4Ids
from bulkio.config import Settings
from bulkio.domain.jobs import Job
from bulkio.services import render
from bulkio.services.exporting import ExportPipeline, ExportStreamer
from bulkio.services.fetching import SourceFetcher
from bulkio.services.idempotency import IdempotentRequests
from bulkio.services.importing import ImportPipeline
from bulkio.services.jobs import JobService
from bulkio.services.maintenance import Maintenance
from bulkio.services.runner import JobRunner
from bulkio.services.submitting import JobSubmitter
from bulkio.services.sweep import Sweeper
from bulkio.services.webhooks import WebhookNotifier


def _engine(settings: Settings) -> Iterator[Any]:
    from bulkio.adapters.sql.engine import create_engine_for, ensure_schema
    from bulkio.adapters.sql.migrate import check_schema

    engine = create_engine_for(settings.sql_url)
    if engine.dialect.name == "sqlite":
        ensure_schema(engine)  # embedded: no migrate step to remember; PostgreSQL uses Alembic
    else:
        try:
            check_schema(engine)  # one clear error ("run `bulkio migrate`"), not a missing table
        except BaseException:
            engine.dispose()
            raise
    yield engine
    engine.dispose()


def _record_store(engine: Any) -> Any:
    from bulkio.adapters.sql.postgres import PostgresRecordStore
    from bulkio.adapters.sql.records import SqlRecordStore

    return PostgresRecordStore(engine) if engine.dialect.name == "postgresql" else SqlRecordStore(engine)


def _job_repository(engine: Any, settings: Settings) -> Any:
    from bulkio.adapters.sql.jobs import SqlJobRepository

    return SqlJobRepository(engine, lock_timeout_ms=settings.lock_timeout_ms)


def _idempotency_store(engine: Any) -> Any:
    from bulkio.adapters.sql.idempotency import SqlIdempotencyStore

    return SqlIdempotencyStore(engine)


def _storage(settings: Settings) -> Any:
    if settings.s3_bucket:
        from bulkio.adapters.s3_storage import S3FileStorage

        return S3FileStorage(settings.s3_bucket, settings.s3_region, settings.s3_endpoint,
                             access_key_id=settings.s3_access_key_id,
                             secret_access_key=settings.s3_secret_access_key)
    from bulkio.adapters.local_storage import LocalFileStorage

    return LocalFileStorage(settings.storage_dir)


def _lock(settings: Settings) -> Any:
    if settings.redis_url:
        from bulkio.adapters.redis_lock import RedisJobLock

        ttl_ms = int(settings.jobs.stale_after.total_seconds() * 1000)
        if settings.redis_namespace:
            return RedisJobLock(settings.redis_url, ttl_ms=ttl_ms,
                                prefix=f"{settings.redis_namespace}:lock:")
        return RedisJobLock(settings.redis_url, ttl_ms=ttl_ms)
    from bulkio.adapters.in_process import InProcessJobLock

    return InProcessJobLock()


def _broker(settings: Settings) -> Any:
    from bulkio.adapters.dramatiq_queue import redis_broker

    if not settings.redis_url:
        return None
    if settings.redis_namespace:
        return redis_broker(settings.redis_url, namespace=settings.redis_namespace)
    return redis_broker(settings.redis_url)


def _queue(settings: Settings, broker: Any, runner: providers.Provider) -> Iterator[Any]:
    if broker is not None:
        from bulkio.adapters.dramatiq_queue import DramatiqJobQueue

        yield DramatiqJobQueue(broker)
        return
    from bulkio.adapters.in_process import InProcessJobQueue

    queue = InProcessJobQueue(lambda job_id: runner().run(job_id), settings.concurrency)
    queue.start()
    yield queue
    runner().stop()  # running jobs pause after their batch; the next start-up resumes them
    queue.stop(timeout=30)


def _fetcher(settings: Settings) -> Any:
    from bulkio.adapters.http_fetcher import HttpFetcher

    return HttpFetcher(max_bytes=settings.jobs.max_upload_bytes, timeout_s=settings.url_timeout_s,
                       allow_hosts=settings.url_allow_hosts)


def _metrics() -> Any:
    from bulkio.adapters.prometheus_metrics import PrometheusJobMetrics

    return PrometheusJobMetrics()


def _webhook_sender(settings: Settings) -> Any:
    from bulkio.adapters.http_webhooks import HttpWebhookSender

    return HttpWebhookSender(settings.webhook_timeout_s,
                             allow_loopback=settings.webhook_allow_loopback)


def _job_view(clock: Any, storage: Any, settings: Settings) -> Callable[[Job], Any]:
    """A job as the API shows it, for webhook bodies (with a presigned download URL on S3)."""
    def view(job: Job) -> Any:
        url = storage.download_url(job.result_key, settings.download_url_ttl_s) \
            if job.result_key else None
        return render.job(job, clock.now(), url)

    return view


class Container(containers.DeclarativeContainer):
    """Every port's adapter and every use case, built once per process.

    Worker threads build what they use on first use, so every shared object is a
    `ThreadSafeSingleton` (a plain `Singleton` may build two: two runners, one never stopped).
    """

    settings = providers.Dependency(instance_of=Settings)
    job_settings = providers.Callable(lambda s: s.jobs, settings)

    clock = providers.ThreadSafeSingleton(SystemClock)
    ids = providers.ThreadSafeSingleton(Uuid4Ids)
    engine = providers.Resource(_engine, settings)
    job_repository = providers.ThreadSafeSingleton(_job_repository, engine, settings)
    record_store = providers.ThreadSafeSingleton(_record_store, engine)
    storage = providers.ThreadSafeSingleton(_storage, settings)
    lock = providers.ThreadSafeSingleton(_lock, settings)
    fetcher = providers.ThreadSafeSingleton(_fetcher, settings)
    broker = providers.ThreadSafeSingleton(_broker, settings)
    metrics = providers.ThreadSafeSingleton(_metrics)

    imports = providers.Factory(ImportPipeline, job_repository, record_store, storage, clock, ids,
                                job_settings, metrics)
    exports = providers.Factory(ExportPipeline, job_repository, record_store, storage, clock,
                                job_settings, metrics)
    source_fetcher = providers.Factory(
        SourceFetcher, job_repository, storage, fetcher, clock,
        providers.Callable(lambda s: s.jobs.max_upload_bytes, settings),
    )
    webhook_sender = providers.ThreadSafeSingleton(_webhook_sender, settings)
    webhooks = providers.ThreadSafeSingleton(
        WebhookNotifier, job_repository, webhook_sender, clock,
        providers.Callable(_job_view, clock, storage, settings),
        providers.Callable(lambda s: s.webhooks, settings), metrics,
    )
    notify = providers.Callable(lambda notifier: notifier.notify, webhooks)
    runner = providers.ThreadSafeSingleton(JobRunner, job_repository, lock, clock, imports,
                                           exports, source_fetcher, job_settings, metrics, notify)
    queue = providers.Resource(_queue, settings, broker, runner.provider)
    idempotency_store = providers.ThreadSafeSingleton(_idempotency_store, engine)
    idempotent_requests = providers.ThreadSafeSingleton(
        IdempotentRequests, idempotency_store, job_repository, clock,
        providers.Callable(lambda s: s.idempotency_ttl, settings),
    )
    submitter = providers.ThreadSafeSingleton(
        JobSubmitter, job_repository, storage, queue, clock, ids, job_settings, idempotent_requests,
        metrics, providers.Callable(lambda notifier: notifier.check, webhooks))
    job_service = providers.ThreadSafeSingleton(JobService, job_repository, storage, clock, queue,
                                                metrics, notify)
    export_streamer = providers.ThreadSafeSingleton(ExportStreamer, record_store, job_settings)
    sweeper = providers.ThreadSafeSingleton(Sweeper, job_repository, queue, clock, job_settings,
                                            metrics, notify)
    maintenance = providers.ThreadSafeSingleton(
        Maintenance, sweeper, idempotency_store, job_repository, storage, clock,
        providers.Callable(lambda s: s.sweep_every_s, settings),
        providers.Callable(lambda s: not s.distributed_queue, settings),
    )


def build(settings: Settings) -> Container:
    """A container for these settings; call `init_resources()` to start it."""
    container = Container(settings=settings)
    return container
