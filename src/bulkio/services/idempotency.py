"""Idempotency-Key: fingerprint a job-creating request, create its job once, replay it after.

The fingerprint covers what the request asks for (the kind of job and its parameters) and, for
an upload, the SHA-256 of the file, computed while the file streams to storage. Keys are scoped
per API key; the Python API and the CLI use the scope of a server without API keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import stamina
from attrs import frozen

from bulkio.domain.errors import Unavailable
from bulkio.domain.jobs import Job
from bulkio.ports.clock import Clock
from bulkio.ports.idempotency import IdempotencyStore, Replay
from bulkio.ports.jobs import JobRepository

ANONYMOUS = "anonymous"
log = logging.getLogger("bulkio.idempotency")


def scope_of(api_key: str | None) -> str:
    """The scope of a caller's keys: a hash of its API key (never the key itself)."""
    if not api_key:
        return ANONYMOUS
    return hashlib.sha256(api_key.encode()).hexdigest()


def fingerprint(kind: str, params: Mapping[str, Any], content_sha256: str | None = None) -> str:
    """A stable hash of what a request asks for: the kind of job, its parameters, its file."""
    canonical = json.dumps(
        {"kind": kind, "params": params, "content": content_sha256},
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ContentHash:
    """SHA-256 of a stream, computed as the stream passes through."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def through(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._digest.update(chunk)
            yield chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


@frozen
class IdempotencyKey:
    """An Idempotency-Key as one caller sent it; `scope` is whose keys it is among."""

    key: str
    scope: str = ANONYMOUS

    def claim(self, kind: str, params: Mapping[str, Any], content_sha256: str | None = None,
              ) -> Claim:
        """This key claimed for one request."""
        return Claim(self.scope, self.key, fingerprint(kind, params, content_sha256))


@frozen
class Claim:
    """An Idempotency-Key as sent by one caller for one request."""

    scope: str
    key: str
    fingerprint: str


@frozen
class Submission:
    """The job a request created, or the one an earlier request with its key did (`replayed`)."""

    job: Job
    replayed: bool = False


def _nothing() -> None:
    return None


class IdempotentRequests:
    """Creates a job at most once per (scope, Idempotency-Key)."""

    def __init__(self, store: IdempotencyStore, jobs: JobRepository, clock: Clock,
                 ttl: timedelta) -> None:
        self._store, self._jobs, self._clock, self._ttl = store, jobs, clock, ttl

    def submit(self, claim: Claim | None, create: Callable[[], Job],
               discard: Callable[[], None] = _nothing) -> Submission:
        """Run `create` unless this key already did; `discard` undoes the caller's preparations
        (a stored upload) whenever this call creates no job."""
        if claim is None:
            return Submission(create())
        try:
            outcome = self._store.begin(claim.scope, claim.key, claim.fingerprint,
                                        self._clock.now(), self._ttl)
        except BaseException:
            discard()
            raise
        if isinstance(outcome, Replay):
            discard()
            return Submission(self._jobs.get(outcome.job_id), replayed=True)
        try:
            job = create()
        except BaseException:
            self._store.abandon(claim.scope, claim.key)
            discard()
            raise
        try:
            for attempt in stamina.retry_context(on=Unavailable, attempts=3, timeout=None,
                                                 wait_initial=0.05, wait_max=0.5):
                with attempt:
                    self._store.complete(claim.scope, claim.key, job.id)
        except Unavailable:
            # The job exists and is queued: answer it. The claim frees itself after its
            # timeout, which only matters to a client that retries a success.
            log.warning("job %s: could not record Idempotency-Key %r", job.id, claim.key)
        return Submission(job)
