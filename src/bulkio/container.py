"""The composition root: the only module that names concrete adapter classes.

`build(settings)` picks one adapter per port: the embedded set when nothing is configured
(SQLite, local folder, in-process queue and lock), production adapters for what is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dependency_injector import containers, providers

from bulkio.adapters.clock import SystemClock, Uuid4Ids
from bulkio.config import Settings
from bulkio.domain.jobs import Job
from bulkio.ports.batches import BatchWriter
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.fetcher import Fetcher
from bulkio.ports.idempotency import IdempotencyStore
from bulkio.ports.jobs import JobRepository
from bulkio.ports.lock import JobLock
from bulkio.ports.metrics import JobMetrics
from bulkio.ports.queue import JobQueue
from bulkio.ports.records import RecordStore
from bulkio.ports.storage import FileStorage
from bulkio.ports.webhooks import WebhookSender
from bulkio.services import render
from bulkio.services.exporting import ExportPipeline, ExportStreamer
from bulkio.services.fetching import SourceFetcher
from bulkio.services.idempotency import IdempotentRequests
from bulkio.services.importing import ImportPipeline
from bulkio.services.jobs import JobService, download_url
from bulkio.services.chunking import ImportChunks
from bulkio.services.observing import JobEnds
from bulkio.services.maintenance import Maintenance
from bulkio.services.runner import JobRunner
from bulkio.services.settings import JobSettings
from bulkio.services.submitting import JobSubmitter
from bulkio.services.sweep import Sweeper
from bulkio.services.webhooks import WebhookNotifier

Shared = providers.ThreadSafeSingleton  # one object per process, built on first use

if TYPE_CHECKING:  # the adapters' own libraries load only when their adapter is picked
    import sqlalchemy as sa
    from dramatiq import Broker


def _engine(settings: Settings) -> Iterator[sa.Engine]:
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


def _migrate(settings: Settings) -> str:
    """Bring the database to the latest schema (PostgreSQL: Alembic; SQLite: the same
    migrations); returns where it is, without credentials."""
    from bulkio.adapters.sql.migrate import upgrade

    upgrade(settings.sql_url)
    return settings.sql_url.split("@")[-1]


def _record_store(engine: sa.Engine) -> RecordStore:
    from bulkio.adapters.sql.postgres import PostgresRecordStore
    from bulkio.adapters.sql.records import SqlRecordStore

    return PostgresRecordStore(engine) if engine.dialect.name == "postgresql" else SqlRecordStore(engine)


def _batch_writer(engine: sa.Engine) -> BatchWriter:
    from bulkio.adapters.sql.batches import SqlBatchWriter
    from bulkio.adapters.sql.copy_batches import PostgresBatchWriter

    return PostgresBatchWriter(engine) if engine.dialect.name == "postgresql" else SqlBatchWriter(engine)


def _job_repository(engine: sa.Engine, settings: Settings) -> JobRepository:
    from bulkio.adapters.sql.jobs import SqlJobRepository

    return SqlJobRepository(engine, lock_timeout_ms=settings.lock_timeout_ms)


def _idempotency_store(engine: sa.Engine) -> IdempotencyStore:
    from bulkio.adapters.sql.idempotency import SqlIdempotencyStore

    return SqlIdempotencyStore(engine)


def _storage(settings: Settings) -> FileStorage:
    if settings.s3_bucket:
        from bulkio.adapters.s3_storage import S3FileStorage

        return S3FileStorage(settings.s3_bucket, settings.s3_region, settings.s3_endpoint,
                             access_key_id=settings.s3_access_key_id,
                             secret_access_key=settings.s3_secret_access_key,
                             connect_timeout_s=settings.s3_connect_timeout_s,
                             read_timeout_s=settings.s3_read_timeout_s)
    from bulkio.adapters.local_storage import LocalFileStorage

    return LocalFileStorage(settings.storage_dir)


def _lock(settings: Settings) -> JobLock:
    if settings.redis_url:
        from bulkio.adapters.redis_lock import RedisJobLock

        ttl_ms = int(settings.jobs.stale_after.total_seconds() * 1000)
        if settings.redis_namespace:
            return RedisJobLock(settings.redis_url, ttl_ms=ttl_ms,
                                prefix=f"{settings.redis_namespace}:lock:")
        return RedisJobLock(settings.redis_url, ttl_ms=ttl_ms)
    from bulkio.adapters.in_process import InProcessJobLock

    return InProcessJobLock()


def _broker(settings: Settings) -> Broker | None:
    """The Dramatiq broker when a Redis is configured (the worker consumes from it)."""
    from bulkio.adapters.dramatiq_queue import redis_broker

    if not settings.redis_url:
        return None
    if settings.redis_namespace:
        return redis_broker(settings.redis_url, namespace=settings.redis_namespace)
    return redis_broker(settings.redis_url)


def _queue(settings: Settings, broker: Broker | None,
           runner: Callable[[], JobRunner]) -> Iterator[JobQueue]:
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


def _fetcher(settings: Settings) -> Fetcher:
    from bulkio.adapters.http_fetcher import HttpFetcher

    return HttpFetcher(max_bytes=settings.jobs.max_upload_bytes, timeout_s=settings.url_timeout_s,
                       allow_hosts=settings.url_allow_hosts)


def _metrics() -> JobMetrics:
    from bulkio.adapters.prometheus_metrics import PrometheusJobMetrics

    return PrometheusJobMetrics()


def _webhook_sender(settings: Settings) -> WebhookSender:
    from bulkio.adapters.http_webhooks import HttpWebhookSender

    return HttpWebhookSender(settings.webhook_timeout_s,
                             allow_loopback=settings.webhook_allow_loopback)


def _job_view(clock: Clock, storage: FileStorage) -> Callable[[Job], Any]:
    """A job as the API shows it, as plain JSON values for webhook bodies (with a presigned
    download URL on S3, as `GET` shows it)."""
    def view(job: Job) -> Any:
        now = clock.now()
        return render.as_json(render.job(job, now, download_url(storage, job, now)))

    return view


class Container(containers.DeclarativeContainer):
    """Every port's adapter and every use case, built once per process.

    Worker threads build what they use on first use, so every shared object is a
    `ThreadSafeSingleton` (a plain `Singleton` may build two: two runners, one never stopped).
    Tests build this same container and swap what they need: `container.storage.override(...)`.
    """

    __self__ = providers.Self()
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    job_settings: providers.Callable[JobSettings] = providers.Callable(lambda s: s.jobs, settings)

    clock: Shared[Clock] = providers.ThreadSafeSingleton(SystemClock)
    ids: Shared[IdGenerator] = providers.ThreadSafeSingleton(Uuid4Ids)
    engine: providers.Resource[sa.Engine] = providers.Resource(_engine, settings)
    migrate: providers.Callable[str] = providers.Callable(_migrate, settings)
    job_repository: Shared[JobRepository] = providers.ThreadSafeSingleton(
        _job_repository, engine, settings)
    record_store: Shared[RecordStore] = providers.ThreadSafeSingleton(_record_store, engine)
    batch_writer: Shared[BatchWriter] = providers.ThreadSafeSingleton(_batch_writer, engine)
    storage: Shared[FileStorage] = providers.ThreadSafeSingleton(_storage, settings)
    lock: Shared[JobLock] = providers.ThreadSafeSingleton(_lock, settings)
    fetcher: Shared[Fetcher] = providers.ThreadSafeSingleton(_fetcher, settings)
    broker: Shared[Broker | None] = providers.ThreadSafeSingleton(_broker, settings)
    metrics: Shared[JobMetrics] = providers.ThreadSafeSingleton(_metrics)

    imports: providers.Factory[ImportPipeline] = providers.Factory(
        ImportPipeline, job_repository, record_store, batch_writer, storage, clock, ids,
        job_settings, metrics)
    exports: providers.Factory[ExportPipeline] = providers.Factory(
        ExportPipeline, job_repository, record_store, storage, clock, job_settings, metrics)
    source_fetcher: providers.Factory[SourceFetcher] = providers.Factory(
        SourceFetcher, job_repository, storage, fetcher, clock,
        providers.Callable(lambda s: s.max_upload_bytes, job_settings),
    )
    webhook_sender: Shared[WebhookSender] = providers.ThreadSafeSingleton(
        _webhook_sender, settings)
    webhooks: Shared[WebhookNotifier] = providers.ThreadSafeSingleton(
        WebhookNotifier, job_repository, webhook_sender, clock,
        providers.Callable(_job_view, clock, storage),
        providers.Callable(lambda s: s.webhooks, settings), metrics,
    )
    notify: providers.Callable[Callable[[Job], None]] = providers.Callable(
        lambda notifier: notifier.notify, webhooks)
    # The in-process queue runs jobs with the runner, which queues chunk jobs: the queue finds
    # the runner through the container, when it first runs a job.
    queue: providers.Resource[JobQueue] = providers.Resource(
        _queue, settings, broker, providers.Callable(lambda c: c.runner, __self__))
    import_chunks: Shared[ImportChunks] = providers.ThreadSafeSingleton(
        ImportChunks, job_repository, queue, storage, clock, ids, job_settings)
    ends: Shared[JobEnds] = providers.ThreadSafeSingleton(
        JobEnds, metrics, notify, providers.Callable(lambda chunks: chunks.settle, import_chunks))
    runner: Shared[JobRunner] = providers.ThreadSafeSingleton(
        JobRunner, job_repository, lock, clock, imports, exports, source_fetcher, import_chunks,
        job_settings, ends)
    idempotency_store: Shared[IdempotencyStore] = providers.ThreadSafeSingleton(
        _idempotency_store, engine)
    idempotent_requests: Shared[IdempotentRequests] = providers.ThreadSafeSingleton(
        IdempotentRequests, idempotency_store, job_repository, clock,
        providers.Callable(lambda s: s.idempotency_ttl, settings),
    )
    submitter: Shared[JobSubmitter] = providers.ThreadSafeSingleton(
        JobSubmitter, job_repository, storage, queue, clock, ids, job_settings,
        idempotent_requests, metrics, providers.Callable(lambda notifier: notifier.check, webhooks))
    job_service: Shared[JobService] = providers.ThreadSafeSingleton(
        JobService, job_repository, storage, clock, queue, ends)
    export_streamer: Shared[ExportStreamer] = providers.ThreadSafeSingleton(
        ExportStreamer, record_store, job_settings)
    sweeper: Shared[Sweeper] = providers.ThreadSafeSingleton(
        Sweeper, job_repository, queue, clock, job_settings, ends)
    maintenance: Shared[Maintenance] = providers.ThreadSafeSingleton(
        Maintenance, sweeper, idempotency_store, job_repository, storage, clock,
        providers.Callable(lambda s: s.sweep_every_s, settings),
        providers.Callable(lambda s: not s.distributed_queue, settings),
    )


def build(settings: Settings) -> Container:
    """A container for these settings; call `init_resources()` to start it."""
    container = Container(settings=settings)
    return container
