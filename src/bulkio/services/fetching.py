"""Bringing a remote import's file into storage before it is read (once, even across restarts)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bulkio.domain.errors import NotFound, TooLarge
from bulkio.domain.jobs import Job
from bulkio.formats import detect_format
from bulkio.ports.clock import Clock
from bulkio.ports.fetcher import Fetcher
from bulkio.ports.jobs import JobRepository
from bulkio.ports.storage import FileStorage

SNIFF_BYTES = 64 * 1024


def limited(chunks: Iterable[bytes], max_bytes: int, what: str) -> Iterator[bytes]:
    """Pass chunks through, raising `TooLarge` as soon as more than `max_bytes` went by."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(f"{what} is larger than the limit of {max_bytes:,} bytes")
        yield chunk


def head_of(storage: FileStorage, key: str) -> bytes:
    """The first bytes of a stored file, enough to tell its format."""
    with storage.open_reader(key) as stream:
        return stream.read(SNIFF_BYTES)


class SourceFetcher:
    """Fetches a URL import into storage and settles its format."""

    def __init__(self, jobs: JobRepository, storage: FileStorage, fetcher: Fetcher,
                 clock: Clock, max_bytes: int) -> None:
        self._jobs, self._storage, self._fetcher = jobs, storage, fetcher
        self._clock, self._max_bytes = clock, max_bytes

    def ensure_local(self, job: Job) -> None:
        """Make `job.source` a stored file (fetching `job.source_url` if needed)."""
        if job.source_url is None:
            return
        assert job.source is not None
        try:
            job.source_size = self._storage.size(job.source)
        except NotFound:
            body = limited(self._fetcher.chunks(job.source_url), self._max_bytes, "the remote file")
            job.source_size = self._storage.put(job.source, body)
        if not job.format:
            job.format = detect_format(None, job.source_url.split("?")[0],
                                       head_of(self._storage, job.source)).value
        job.heartbeat(self._clock.now())
        self._jobs.save(job)
