"""Remote files served from a dict: the embedded twin of the HTTP fetcher."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from bulkio.domain.errors import SourceUnreadable


class InMemoryFetcher:
    """Serves `pages[url]` in chunks; unknown URLs answer 404."""

    def __init__(
        self, pages: Mapping[str, bytes], max_bytes: int | None = None, chunk_size: int = 64 * 1024
    ) -> None:
        self._pages = dict(pages)
        self._max_bytes = max_bytes
        self._chunk_size = chunk_size

    def chunks(self, url: str) -> Iterator[bytes]:
        """Stream the page at `url` (`SourceUnreadable` when there is none or it is too large)."""
        body = self._pages.get(url)
        if body is None:
            raise SourceUnreadable("fetching URL answered 404")
        if self._max_bytes is not None and len(body) > self._max_bytes:
            raise SourceUnreadable(f"the file at the URL is larger than {self._max_bytes} bytes")
        for start in range(0, len(body), self._chunk_size):
            yield body[start : start + self._chunk_size]
