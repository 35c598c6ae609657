"""Reading a remote file by URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class Fetcher(Protocol):
    def chunks(self, url: str) -> Iterator[bytes]:
        """Stream the body at `url` (`SourceUnreadable` when it cannot be fetched or is refused)."""
