"""Clocks and id generators: the system ones and fixed, predictable ones for tests."""

from __future__ import annotations

import itertools
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
    """Random UUIDs."""

    def new_id(self) -> str:
        return str(uuid.uuid4())


class SequentialIds:
    """Predictable UUIDs: 00000000-0000-4000-8000-000000000001, ...2, ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return str(uuid.UUID(int=(0x4000 << 64) | (0x8000 << 48) | next(self._counter)))
