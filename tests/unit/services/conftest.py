"""The use cases wired to in-memory and local adapters, with a clock that only moves when told."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from attrs import define, field

from bulkio.adapters.clock import FixedClock, SequentialIds
from bulkio.adapters.in_process import InProcessJobLock
from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.adapters.memory_idempotency import InMemoryIdempotencyStore
from bulkio.adapters.memory_records import InMemoryJobRepository, InMemoryRecordStore
from bulkio.domain.jobs import Job
from bulkio.services.exporting import ExportPipeline, ExportStreamer
from bulkio.services.fetching import SourceFetcher
from bulkio.services.importing import ImportPipeline
from bulkio.services.idempotency import IdempotentRequests
from bulkio.services.jobs import JobService
from bulkio.services.maintenance import Maintenance
from bulkio.services.runner import JobRunner
from bulkio.services.settings import JobSettings
from bulkio.services.submitting import JobSubmitter
from bulkio.services.sweep import Sweeper


class RecordingQueue:
    """A queue that only remembers what was sent, so a test decides when jobs run."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def enqueue_run(self, job_id: str) -> None:
        self.sent.append(job_id)

    def ping(self) -> None:
        return None


@define
class World:
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

    @property
    def submitter(self) -> JobSubmitter:
        requests = IdempotentRequests(self.keys, self.jobs, self.clock, timedelta(hours=24))
        return JobSubmitter(self.jobs, self.storage, self.queue, self.clock, self.ids,
                            self.settings, requests)

    @property
    def runner(self) -> JobRunner:
        imports = ImportPipeline(self.jobs, self.records, self.storage, self.clock, self.ids,
                                 self.settings)
        exports = ExportPipeline(self.jobs, self.records, self.storage, self.clock, self.settings)
        fetching = SourceFetcher(self.jobs, self.storage, self.fetcher, self.clock,
                                 self.settings.max_upload_bytes)
        return JobRunner(self.jobs, self.lock, self.clock, imports, exports, fetching,
                         self.settings)

    @property
    def service(self) -> JobService:
        return JobService(self.jobs, self.storage, self.clock, self.queue)

    @property
    def sweeper(self) -> Sweeper:
        return Sweeper(self.jobs, self.queue, self.clock, self.settings)

    @property
    def maintenance(self) -> Maintenance:
        return Maintenance(self.sweeper, self.keys, self.jobs, self.storage, self.clock,
                           every_s=60.0, requeue_all_at_start=True)

    @property
    def streamer(self) -> ExportStreamer:
        return ExportStreamer(self.records, self.settings)

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
