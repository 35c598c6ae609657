"""Clocks and id generators: the system ones and fixed, predictable ones for tests."""

from __future__ import annotations

import itertools
import os
import threading
import uuid
from collections.abc import Iterator
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
    """Random (version 4) UUIDs (RFC 9562, section 5.4), formatted straight from random bytes
    drawn `BLOCK` ids at a time.

    An import makes one per new record. `os.urandom` releases the GIL around its system call, so
    drawing 16 bytes per id handed the GIL to the other import thread once per row and waited to
    get it back; one draw per block makes that once per `BLOCK` rows. Each thread keeps a block of
    its own, and a forked child forgets its parent's, so no two processes hand out the same id."""

    BLOCK = 1024

    def new_id(self) -> str:
        try:
            return next(_drawn.ids)
        except (AttributeError, StopIteration):
            _drawn.ids = self._block()
            return next(_drawn.ids)

    def _block(self) -> Iterator[str]:
        raw = bytearray(os.urandom(16 * self.BLOCK))
        raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
        raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # the RFC's variant
        h = raw.hex()
        return (f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
                for i in range(0, len(h), 32))


_drawn = threading.local()  # each thread's block of ids not handed out yet


def _forget_drawn() -> None:
    global _drawn
    _drawn = threading.local()


os.register_at_fork(after_in_child=_forget_drawn)


class SequentialIds:
    """Predictable UUIDs: 00000000-0000-4000-8000-000000000001, ...2, ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return str(uuid.UUID(int=(0x4000 << 64) | (0x8000 << 48) | next(self._counter)))
