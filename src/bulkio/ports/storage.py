"""Where files live: uploads, export results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol


class FileStorage(Protocol):
    """Streamed put and get of whole files by key."""

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the file from a stream of chunks, never holding it whole; returns its size."""

    def open_reader(self, key: str) -> BinaryIO:
        """A binary stream of the file (`NotFound` if there is none)."""

    def size(self, key: str) -> int:
        """Size in bytes (`NotFound` if there is none)."""

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A URL a client can fetch the file from, or None when the API must serve it."""

    def delete(self, key: str) -> None:
        """Remove the file if it exists."""

    def ping(self) -> None:
        """Raise `Unavailable` unless the storage answers."""

    def prepare(self) -> None:
        """Create the bucket or folder if it does not exist yet (idempotent)."""
