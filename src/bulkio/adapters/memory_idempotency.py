"""Idempotency keys in a dict: the embedded twin of the SQL store, for tests and one process."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from attrs import define

from bulkio.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from bulkio.ports.idempotency import Begun, Replay

CLAIM_TIMEOUT = timedelta(minutes=2)


@define
class _Entry:
    fingerprint: str
    job_id: str | None
    created_at: datetime
    expires_at: datetime


class InMemoryIdempotencyStore:
    """(scope, key) -> entry, guarded by one thread lock."""

    def __init__(self, claim_timeout: timedelta = CLAIM_TIMEOUT) -> None:
        self._guard = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._claim_timeout = claim_timeout

    def begin(self, scope: str, key: str, fingerprint: str, now: datetime,
              ttl: timedelta) -> Begun | Replay:
        """Claim the key, or replay / refuse it as its entry says."""
        with self._guard:
            entry = self._entries.get((scope, key))
            if entry is not None and entry.expires_at <= now:
                entry = None
            abandoned = entry is not None and entry.job_id is None \
                and entry.created_at <= now - self._claim_timeout
            if entry is None or abandoned:
                self._entries[(scope, key)] = _Entry(fingerprint, None, now, now + ttl)
                return Begun()
            if entry.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was already used for a different request"
                )
            if entry.job_id is None:
                raise IdempotencyKeyInFlight(
                    f"a request with Idempotency-Key {key!r} is still being processed"
                )
            return Replay(entry.job_id)

    def complete(self, scope: str, key: str, job_id: str) -> None:
        """Record the job the claimed key's request created."""
        with self._guard:
            entry = self._entries.get((scope, key))
            if entry is not None:
                entry.job_id = job_id

    def abandon(self, scope: str, key: str) -> None:
        """Release a claim whose request failed."""
        with self._guard:
            entry = self._entries.get((scope, key))
            if entry is not None and entry.job_id is None:
                del self._entries[(scope, key)]

    def purge(self, now: datetime) -> int:
        """Forget expired keys."""
        with self._guard:
            expired = [k for k, e in self._entries.items() if e.expires_at <= now]
            for k in expired:
                del self._entries[k]
            return len(expired)
