"""One import on many workers: a large file split into chunk jobs, each a range of its rows.

An import whose file is larger than `JobSettings.chunk_bytes` is split by the worker that claims
it, as Salesforce Bulk API 2.0 splits a job into batches: one pass over the file (the row
reader the import uses, so rows are numbered exactly as they will be) finds where each chunk of
about `chunk_bytes` starts, and the job's chunks are stored with it in one transaction
(`JobRepository.split`) and queued. Each chunk is a job of its own, claimed, leased, fenced,
checkpointed, recovered and counted for crashes like any other, that imports its rows of the
file (it reads and skips the rows before its range) and reports its row errors, with their rows
in the whole file, to the split job. The split job stays `processing` without a worker of its
own; the last chunk to end ends it (`settle`), and so does the sweep, should the process that
ended that chunk die first.

Chunks run in any order at once, so a file is split only when no natural key and no id is held
by rows of two chunks: the rows of one key are applied in file order by one chunk, and no id is
taken by the earlier or later row depending on which chunk runs first. The pass checks it with
a 64-bit hash of each key and id, tagged with its chunk (8 bytes a row, 16 MB for a million rows
with ids), grouped by the hash's top byte; two keys that only share a hash keep the file whole,
the safe side. A file the pass cannot read to its end, or whose columns name no required field,
is not split: the import reads it as one job, keeping every row before a fault, or fails it
with the reason, as it always does.
"""

from __future__ import annotations

import logging
import math
from array import array
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from bulkio.domain.errors import Busy, BulkioError, StaleJob, Unavailable
from bulkio.domain.fields import FieldProblem, Uuid
from bulkio.domain.jobs import INLINE_ERRORS, Job, JobKind, JobStatus
from bulkio.domain.resources import Resource, resource_named
from bulkio.domain.rows import MalformedRow
from bulkio.formats import Format, open_rows
from bulkio.ports.clock import Clock, IdGenerator
from bulkio.ports.jobs import JobRead, JobRepository
from bulkio.ports.lock import Lease
from bulkio.ports.queue import JobQueue
from bulkio.ports.storage import FileStorage
from bulkio.services.errors import JobInterrupted, LeaseLost
from bulkio.services.settings import JobSettings
from bulkio.services.wrong_shape import wrong_shape

log = logging.getLogger("bulkio.chunks")

# A chunk reads the rows before its range to reach it, so n chunks read the file about n / 2
# times in all: a file is cut into at most this many (each of `chunk_bytes` or more).
MAX_CHUNKS = 16
_TAG_BITS = 12  # room for the chunk's number beside a hash (at most 4,096 chunks)
BEAT_ROWS = 50_000  # rows of the split pass between two looks at the clock (`_Beat`)
_TAG = (1 << _TAG_BITS) - 1
_HASH = (1 << 64) - 1 - _TAG  # a hash's top 52 bits, beside the tag
_ID = "\x00id:"  # an id's hash apart from a key's (no stored text holds NUL)

Ranges = list[tuple[int, int]]  # (first row, last row), 1-based, inclusive


def chunk_ranges(resource: Resource, rows: Iterable[object], bytes_read: Callable[[], int],
                 size: int, chunk_bytes: int,
                 beat: Callable[[], None] = lambda: None) -> Ranges | None:
    """Where the chunks of about `chunk_bytes` (more when that would make over `MAX_CHUNKS`)
    of a `size`-byte file start, from one pass over its `rows` (`bytes_read()` is the reader's
    position in the file): None when rows of two chunks hold one natural key or one id (see
    the module). `beat` is called every `BEAT_ROWS` rows. Raises what the reader raises."""
    count = max(1, min(MAX_CHUNKS, math.ceil(size / chunk_bytes)))
    key = resource.key
    key_of = _canonical(resource.field(key).kind)
    id_of = _canonical(Uuid()) if key != "id" and "id" in resource.field_names else None
    buckets = [array("Q") for _ in range(256)]
    starts: list[int] = []  # the first row of each chunk that has one
    chunk, last, tag = -1, 0, -1
    for item in rows:
        last = item.number  # type: ignore[attr-defined]
        if not last % BEAT_ROWS:
            beat()
        at = min(count - 1, bytes_read() * count // size)
        if at != chunk:
            chunk = at
            starts.append(last)
            tag += 1
        if type(item) is MalformedRow:
            continue  # a row error wherever it is read
        values = item.values  # type: ignore[attr-defined]
        if (k := key_of(values.get(key))) is not None:
            tagged = hash(k) & _HASH | tag
            buckets[tagged >> 56].append(tagged)
        if id_of is not None and (i := id_of(values.get("id"))) is not None:
            tagged = hash(_ID + i) & _HASH | tag
            buckets[tagged >> 56].append(tagged)
    if len(starts) < 2 or _shared(buckets):
        return None
    return [(first, next_first - 1) for first, next_first in zip(starts, [*starts[1:], last + 1])]


def _canonical(kind: object) -> Callable[[object], str | None]:
    """The canonical spelling of a value of `kind` (`canonical`, else `clean`), or None for no
    value or one that is not of the kind (a row error, which writes nothing)."""
    spell = getattr(kind, "canonical", None) or kind.clean  # type: ignore[attr-defined]

    def canonical(value: object) -> str | None:
        if value is None or value == "":
            return None
        try:
            return spell(value)
        except FieldProblem:
            return None

    return canonical


def _shared(buckets: Sequence[array]) -> bool:
    """Whether one hash is tagged with two chunks."""
    for bucket in buckets:
        seen: dict[int, int] = {}
        for tagged in bucket:
            if seen.setdefault(tagged & _HASH, tagged & _TAG) != tagged & _TAG:
                return True
    return False


class ImportChunks:
    """Splits large imports into chunk jobs and ends split jobs once their chunks have ended.

    Built as `ImportChunks(jobs, queue, storage, clock, ids, settings)`."""

    def __init__(self, jobs: JobRepository, queue: JobQueue, storage: FileStorage,
                 clock: Clock, ids: IdGenerator, settings: JobSettings) -> None:
        self._jobs, self._queue, self._storage = jobs, queue, storage
        self._clock, self._ids, self._settings = clock, ids, settings

    def hand_over(self, job: Job, lease: Lease | None = None) -> bool:
        """Run the claimed import `job` (read whole, its file stored) as chunk jobs: split it
        when its file is larger than `chunk_bytes` and can be split, or queue again the
        failed chunks of a split job that was resumed. True when the chunks have it (the job
        stays `processing`, its attempt refunded); False when the caller runs it itself.
        `StaleJob` when the job changed meanwhile."""
        if job.chunks:
            self._resume(job)
            return True
        limit = self._settings.chunk_bytes
        if (not limit or job.kind is not JobKind.IMPORT or job.parent_id is not None
                or job.checkpoint or job.source is None or not job.source_size
                or job.source_size <= limit):
            return False
        beat = _Beat(self._jobs, self._clock, job, lease, self._settings.stale_after / 4)
        ranges = self._ranges(job, limit, beat)
        if ranges is None:
            return False
        now = self._clock.now()
        chunks = [job.new_chunk(self._ids.new_id(), first, last, now) for first, last in ranges]
        job.await_chunks(len(chunks), ranges[-1][1], now)
        self._jobs.split(job, chunks)
        log.info("job %s: %d rows split into %d chunks (rows %s)", job.id, ranges[-1][1],
                 len(chunks), ", ".join(f"{a}-{b}" for a, b in ranges))
        self._send([chunk.id for chunk in chunks])
        return True

    def settle(self, job_id: str, now: datetime) -> Job | None:
        """End the split job `job_id` if all its chunks have ended (`Job.settle_chunks`); the
        ended job, or None (a chunk still runs, the job ended already, a run of its own holds
        it, or its row is held or the database away: the sweep tries again). Any number of
        callers may try at once: one ends it."""
        try:
            chunks = self._jobs.chunks_of(job_id)
            if not chunks or not all(c.is_terminal for c in chunks):
                return None
            first_errors = list(self._jobs.errors(job_id, 0, INLINE_ERRORS))
            ended = self._jobs.update(
                job_id, lambda job: job.settle_chunks(chunks, first_errors, now), wait=False)
        except (Busy, StaleJob, Unavailable) as err:  # held or away: the next sweep settles it
            log.warning("job %s: its chunks have ended, but it could not be ended now (%s); "
                        "the sweep ends it", job_id, type(err).__name__)
            return None
        return ended  # its one end line is `JobEnds`'s

    def _ranges(self, job: Job, limit: int, beat: Callable[[], None]) -> Ranges | None:
        assert job.source is not None and job.source_size
        resource = resource_named(job.resource)
        try:
            with self._storage.open_reader(job.source) as stream:
                rows = open_rows(stream, Format(job.format), self._settings.limits, job.delimiter)
                ranges = chunk_ranges(resource, rows, lambda: rows.bytes_read, job.source_size,
                                      limit, beat)
                if ranges is not None and wrong_shape(resource, rows.columns, rows.delimiter,
                                                      ranges[-1][1]) is not None:
                    return None  # the import fails it whole, with the reason
        except (Unavailable, StaleJob, JobInterrupted):
            raise  # the store is away, or the job was taken over or cancelled meanwhile
        except BulkioError as err:  # read as one job, which keeps every row before the fault
            log.info("job %s is not split: %s", job.id, err)
            return None
        if ranges is None:
            log.info("job %s is not split: rows of two chunks hold one key or id", job.id)
        return ranges

    def _resume(self, job: Job) -> None:
        """Queue again the chunks of the resumed split job `job` that failed, and those still
        pending; the job goes back to its chunks."""
        now = self._clock.now()
        wanted: list[str] = []
        for chunk in self._jobs.chunks_of(job.id):
            if chunk.status is JobStatus.FAILED:
                self._jobs.update(chunk.id, lambda c: _resumed(c, now), read=JobRead.STATE)
            if chunk.status in (JobStatus.FAILED, JobStatus.PENDING):
                wanted.append(chunk.id)
        job.await_chunks(job.chunks, job.counters.total, now)
        self._jobs.save(job)
        self._send(wanted)

    def _send(self, chunk_ids: Sequence[str]) -> None:
        for chunk_id in chunk_ids:
            try:
                self._queue.enqueue_run(chunk_id)
            except Unavailable:
                log.warning("chunk %s is pending but could not be queued; the sweep sends it",
                            chunk_id)


class _Beat:
    """Keeps a job alive through a long pass over its file: every `every` of wall time, a
    heartbeat saved (fenced) and the lease renewed, as a batch commit would; `job` is the job
    as last saved. `LeaseLost` or `StaleJob` (the job was taken over or cancelled) end the
    pass."""

    def __init__(self, jobs: JobRepository, clock: Clock, job: Job, lease: Lease | None,
                 every: timedelta) -> None:
        self._jobs, self._clock, self.job, self._lease = jobs, clock, job, lease
        self._every, self._last = every, clock.now()

    def __call__(self) -> None:
        now = self._clock.now()
        if now - self._last < self._every:
            return
        self._last = now
        self.job.heartbeat(now)
        self._jobs.save(self.job, read=JobRead.STATE)
        if self._lease is not None and not self._lease.renew():
            raise LeaseLost(self.job.id)


def cancelled_with_its_split_job(jobs: JobRepository, chunk: Job, now: datetime) -> bool:
    """Whether `chunk`'s split job has ended; if so the chunk is cancelled too (unless it
    ended) and must not run or write further. For a chunk the split job's cancel could not
    reach (its batch held its row), or one resumed as it was cancelled."""
    if not jobs.get(chunk.report_id, JobRead.STATE).is_terminal:
        return False
    jobs.update(chunk.id, lambda c: c.cancel_unless_ended(now), read=JobRead.STATE)
    return True


def _resumed(chunk: Job, now: datetime) -> bool:
    if chunk.status is not JobStatus.FAILED:
        return False
    chunk.resume(now)
    return True


__all__ = ["ImportChunks", "cancelled_with_its_split_job", "chunk_ranges"]
