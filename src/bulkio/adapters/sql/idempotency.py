"""Idempotency keys in a SQL table; an insert that does nothing on conflict is the atomic claim."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bulkio.adapters.sql.failures import database_errors
from bulkio.adapters.sql.rows import to_utc
from bulkio.adapters.sql.tables import idempotency_keys as keys
from bulkio.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from bulkio.ports.idempotency import Begun, Replay

# A claim never completed nor abandoned this long after it was made belongs to a request
# whose process died: the key is free again rather than stuck in flight until it expires.
CLAIM_TIMEOUT = timedelta(minutes=2)
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_GONE = object()  # the row was there, then was not


class SqlIdempotencyStore:
    """`IdempotencyStore` on SQLAlchemy Core: PostgreSQL or SQLite."""

    def __init__(self, engine: sa.Engine, claim_timeout: timedelta = CLAIM_TIMEOUT) -> None:
        self._engine = engine
        self._claim_timeout = claim_timeout
        self._insert = _INSERTS[engine.dialect.name]

    def begin(self, scope: str, key: str, fingerprint: str, now: datetime,
              ttl: timedelta) -> Begun | Replay:
        """Claim the key, or replay / refuse it as its stored row says."""
        for _ in range(5):
            row = self._claim(scope, key, fingerprint, now, ttl)
            if row is None:
                return Begun()
            if row is _GONE:
                continue  # its owner abandoned it between our insert and our read: try again
            stored_fingerprint, job_id = row
            if stored_fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was already used for a different request"
                )
            if job_id is None:
                raise IdempotencyKeyInFlight(
                    f"a request with Idempotency-Key {key!r} is still being processed"
                )
            return Replay(str(job_id))
        raise IdempotencyKeyInFlight(f"Idempotency-Key {key!r} is changing hands: retry")

    def _claim(self, scope: str, key: str, fingerprint: str, now: datetime,
               ttl: timedelta) -> Any:
        """None when claimed, else the existing (fingerprint, job_id), or _GONE."""
        this = sa.and_(keys.c.scope == scope, keys.c.key == key)
        at = to_utc(now)
        with database_errors(), self._engine.begin() as conn:
            conn.execute(sa.delete(keys).where(this, keys.c.expires_at <= at))
            conn.execute(sa.delete(keys).where(
                this, keys.c.job_id.is_(None),
                keys.c.created_at <= to_utc(now - self._claim_timeout),
            ))
            claim = self._insert(keys).values(
                scope=scope, key=key, fingerprint=fingerprint, job_id=None, response=None,
                created_at=at, expires_at=to_utc(now + ttl),
            ).on_conflict_do_nothing(index_elements=[keys.c.scope, keys.c.key])
            claim = claim.returning(keys.c.key)
            if conn.execute(claim).first() is not None:  # a row back means ours went in
                return None
            row = conn.execute(sa.select(keys.c.fingerprint, keys.c.job_id).where(this)).first()
        return _GONE if row is None else tuple(row)

    def complete(self, scope: str, key: str, job_id: str) -> None:
        """Record the job the claimed key's request created."""
        with database_errors(), self._engine.begin() as conn:
            conn.execute(sa.update(keys).where(
                keys.c.scope == scope, keys.c.key == key, keys.c.job_id.is_(None)
            ).values(job_id=job_id))

    def abandon(self, scope: str, key: str) -> None:
        """Release a claim whose request failed."""
        with database_errors(), self._engine.begin() as conn:
            conn.execute(sa.delete(keys).where(
                keys.c.scope == scope, keys.c.key == key, keys.c.job_id.is_(None)
            ))

    def purge(self, now: datetime) -> int:
        """Forget expired keys."""
        with database_errors(), self._engine.begin() as conn:
            gone = conn.execute(
                sa.delete(keys).where(keys.c.expires_at <= to_utc(now)).returning(keys.c.key)
            ).all()
        return len(gone)

