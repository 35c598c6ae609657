"""A file storage that goes away part-way through every read, the way S3 does in an outage.

    container.storage.override(providers.Object(StorageGoingAway(container.storage(), 400)))

Tests swap it in through the container, like any adapter; everything but reading passes through.
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from bulkio.domain.errors import Unavailable


class _Breaking(io.RawIOBase):
    def __init__(self, inner: BinaryIO, after: int) -> None:
        self._inner, self._left = inner, after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._left <= 0:
            raise Unavailable("reading from S3 failed: ResponseStreamingError")
        data = self._inner.read(min(len(view), self._left))
        self._left -= len(data)
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


class StorageGoingAway:
    """Every file read from it breaks off with `Unavailable` after `after_bytes` bytes, until
    `back()`."""

    def __init__(self, storage: Any, after_bytes: int) -> None:
        self._storage, self._after = storage, after_bytes
        self._away = True

    def back(self) -> None:
        """The storage answers again: reads run to the end."""
        self._away = False

    def open_reader(self, key: str) -> BinaryIO:
        if not self._away:
            return self._storage.open_reader(key)
        return io.BufferedReader(_Breaking(self._storage.open_reader(key), self._after))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)
