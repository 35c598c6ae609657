"""Remembering Idempotency-Keys, so a retried request creates its job only once.

    begin ──▶ Begun ──▶ complete(job_id)      the request went through: later ones replay it
                   └──▶ abandon               it failed: the key may be used again
          ──▶ Replay(job_id)                  same key, same request, already done
          ──▶ IdempotencyKeyReused            same key, different request
          ──▶ IdempotencyKeyInFlight          same key, first request still running
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from attrs import frozen



@frozen
class Begun:
    """The key is now claimed by the caller, who must `complete` or `abandon` it."""


@frozen
class Replay:
    """The same request was accepted before and created this job."""

    job_id: str


class IdempotencyStore(Protocol):
    """Keys per scope (one scope per API key), each with the fingerprint of its request."""

    def begin(self, scope: str, key: str, fingerprint: str, now: datetime,
              ttl: timedelta) -> Begun | Replay:
        """Claim the key atomically, or say what it was used for (raises when it cannot be)."""

    def complete(self, scope: str, key: str, job_id: str) -> None:
        """Record the job the claimed key's request created."""

    def abandon(self, scope: str, key: str) -> None:
        """Release a claim whose request failed, so the key can be used again."""

    def purge(self, now: datetime) -> int:
        """Forget expired keys; returns how many."""
