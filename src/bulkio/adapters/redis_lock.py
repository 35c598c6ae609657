"""A job lock in Redis: redis-py's `Lock` (SET NX PX with a token, Lua compare-and-delete)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from bulkio.domain.errors import Unavailable

log = logging.getLogger(__name__)


class RedisLease:
    """A lease that lives `ttl_ms` unless renewed; `token` is the value stored under the key."""

    def __init__(self, lock: Lock, token: str) -> None:
        self._lock = lock
        self.token = token

    def renew(self) -> bool:
        """Reset the TTL; False when the lease expired, was taken over, or cannot be confirmed."""
        try:
            return bool(self._lock.reacquire())
        except LockError:
            return False
        except RedisError as err:
            # Unconfirmed is treated as lost: stopping early is safe, running twice is not.
            log.warning("cannot renew lock %s: %s", self._lock.name, err)
            return False


class RedisJobLock:
    """One Redis key per job id, expiring after `ttl_ms` unless the holder renews it."""

    def __init__(self, client: redis.Redis | str, ttl_ms: int, prefix: str = "bulkio:lock:") -> None:
        if ttl_ms <= 0:
            raise ValueError("ttl_ms must be positive")
        self._owns_client = isinstance(client, str)
        self._redis = redis.Redis.from_url(client) if isinstance(client, str) else client
        self._ttl_s = ttl_ms / 1000
        self._prefix = prefix

    @contextmanager
    def hold(self, job_id: str, owner: str) -> Iterator[RedisLease | None]:
        """Yield a lease, or None when someone else holds the job; release on exit."""
        # Not thread-local: a heartbeat thread renews the lease the worker thread took.
        lock = self._redis.lock(
            self._prefix + job_id, timeout=self._ttl_s, blocking=False, thread_local=False
        )
        # The owner in the token shows who holds a job; the random part keeps two holds
        # by the same owner apart.
        token = f"{owner}:{secrets.token_hex(8)}"
        try:
            acquired = lock.acquire(token=token)
        except RedisError as err:
            raise Unavailable(f"cannot take the lock on job {job_id}: {err}") from err
        if not acquired:
            yield None
            return
        try:
            yield RedisLease(lock, token)
        finally:
            _release(lock)

    def close(self) -> None:
        """Close the Redis connections this lock opened itself (a client passed in stays open)."""
        if self._owns_client:
            self._redis.close()


def _release(lock: Lock) -> None:
    try:
        lock.release()
    except LockError:
        # Expired or taken over meanwhile: nothing of ours is left to delete.
        pass
    except RedisError as err:
        # Never mask the block's own outcome; the key expires on its own.
        log.warning("cannot release lock %s: %s", lock.name, err)
