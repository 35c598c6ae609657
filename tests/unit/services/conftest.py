"""The use cases from the real container, with in-memory and local adapters swapped in and a\nclock that only moves when told."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from attrs import define, field
from dependency_injector import providers

from bulkio.adapters.clock import FixedClock, SequentialIds
from bulkio.adapters.in_process import InProcessJobLock
from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.adapters.memory_idempotency import InMemoryIdempotencyStore
from bulkio.adapters.memory_records import (
    InMemoryBatchWriter,
    InMemoryJobRepository,
    InMemoryRecordStore,
)
from bulkio.config import Settings
from bulkio.container import Container
from bulkio.domain.jobs import Job
from bulkio.ports.batches import BatchWriter
from bulkio.services.exporting import ExportStreamer
from bulkio.services.jobs import JobService
from bulkio.services.maintenance import Maintenance
from bulkio.services.runner import JobRunner
from bulkio.services.settings import JobSettings
from bulkio.services.submitting import JobSubmitter
from bulkio.services.sweep import Sweeper
from tests.doubles import RecordingQueue


@define
class World:
    """The real container with in-memory and local adapters swapped in; each use case is taken
    from a container built afresh, so a test may swap a part first (`world.queue = ...`)."""

    jobs: InMemoryJobRepository
    records: InMemoryRecordStore
    storage: LocalFileStorage
    queue: RecordingQueue
    clock: FixedClock
    fetcher: InMemoryFetcher
    settings: JobSettings
    files: Path  # the local storage's folder
    lock: InProcessJobLock = field(factory=InProcessJobLock)
    ids: SequentialIds = field(factory=SequentialIds)
    keys: InMemoryIdempotencyStore = field(factory=InMemoryIdempotencyStore)
    batches: BatchWriter | None = None  # None: an in-memory writer into `records`

    @property
    def batch_writer(self) -> BatchWriter:
        return self.batches or InMemoryBatchWriter(self.records)

    @property
    def container(self) -> Container:
        container = Container(settings=Settings(data_dir=self.files.parent / "data",
                                                jobs=self.settings))
        parts = {"job_repository": self.jobs, "record_store": self.records,
                 "batch_writer": self.batch_writer,
                 "storage": self.storage, "queue": self.queue, "clock": self.clock,
                 "fetcher": self.fetcher, "lock": self.lock, "ids": self.ids,
                 "idempotency_store": self.keys}
        for name, part in parts.items():
            getattr(container, name).override(providers.Object(part))
        return container

    @property
    def submitter(self) -> JobSubmitter:
        return self.container.submitter()

    @property
    def runner(self) -> JobRunner:
        return self.container.runner()

    @property
    def service(self) -> JobService:
        return self.container.job_service()

    @property
    def sweeper(self) -> Sweeper:
        return self.container.sweeper()

    @property
    def maintenance(self) -> Maintenance:
        return self.container.maintenance()

    @property
    def streamer(self) -> ExportStreamer:
        return self.container.export_streamer()

    def run_all(self) -> None:
        """Run every job sent so far, in order (what a worker would do)."""
        runner = self.runner
        while self.queue.sent:
            runner.run(self.queue.sent.pop(0))

    def upload(self, resource: str, text: str, filename: str = "data.csv", **options) -> Job:
        job = self.submitter.import_upload(resource, [text.encode()], filename, **options).job
        self.run_all()
        return self.jobs.get(job.id)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    jobs = InMemoryJobRepository()
    yield World(
        jobs=jobs, records=InMemoryRecordStore(jobs), storage=LocalFileStorage(tmp_path / "files"),
        queue=RecordingQueue(), clock=FixedClock(), fetcher=InMemoryFetcher({}),
        settings=JobSettings(batch_size=2, worker_id="test-worker"), files=tmp_path / "files",
    )


@pytest.fixture
def other_world(tmp_path: Path, world: World) -> World:
    """A second world with the same settings, for the same file imported another way."""
    jobs = InMemoryJobRepository()
    folder = tmp_path / "other"
    return World(jobs=jobs, records=InMemoryRecordStore(jobs), storage=LocalFileStorage(folder),
                 queue=RecordingQueue(), clock=FixedClock(), fetcher=InMemoryFetcher({}),
                 settings=world.settings, files=folder)
