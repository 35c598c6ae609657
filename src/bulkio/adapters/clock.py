"""Clocks and id generators: the system ones and fixed, predictable ones for tests."""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2024, 1, 15, 10, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class Uuid4Ids:
    """Random (version 4) UUIDs, formatted straight from the random bytes: an import makes one
    per new record, and `str(uuid.uuid4())` costs several times more."""

    def new_id(self) -> str:
        raw = bytearray(os.urandom(16))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        h = raw.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class SequentialIds:
    """Predictable UUIDs: 00000000-0000-4000-8000-000000000001, ...2, ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return str(uuid.UUID(int=(0x4000 << 64) | (0x8000 << 48) | next(self._counter)))
