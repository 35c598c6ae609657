"""The bridge from the event loop to a worker thread: every chunk once, failures on both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import pytest

from bulkio.services.errors import UploadInterrupted
from bulkio.entrypoints.http.streaming import in_thread, pump


async def numbered(count: int, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for number in range(count):
        if fail_after is not None and number == fail_after:
            raise ConnectionResetError("client went away")
        yield f"{number},".encode()
        await anyio.sleep(0)


def test_every_chunk_reaches_the_thread_in_order() -> None:
    async def main() -> bytes:
        return await pump(numbered(500), lambda chunks: b"".join(chunks))

    assert anyio.run(main) == b"".join(f"{n},".encode() for n in range(500))


def test_consumer_sees_an_interruption_and_the_reader_error_is_raised_when_reading_fails() -> None:
    seen: list[BaseException] = []

    def consume(chunks: Iterator[bytes]) -> int:
        try:
            return sum(len(c) for c in chunks)
        except UploadInterrupted as err:
            seen.append(err)
            raise

    async def main() -> int:
        return await pump(numbered(500, fail_after=100), consume)

    with pytest.raises(ConnectionResetError):
        anyio.run(main)
    assert len(seen) == 1


def test_consumer_error_is_raised_and_reading_stops_when_the_consumer_fails() -> None:
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        while True:
            read += 1
            yield b"x" * 1024
            await anyio.sleep(0)

    def consume(chunks: Iterator[bytes]) -> None:
        for number, _ in enumerate(chunks):
            if number == 50:
                raise ValueError("too much")

    async def main() -> None:
        await pump(endless(), consume)

    with pytest.raises(ValueError, match="too much"):
        anyio.run(main)
    assert read < 100


def test_sync_chunks_come_out_in_order_and_an_error_inside_is_not_a_clean_end() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"
        yield b"b"
        raise ValueError("broken in the middle")

    async def main() -> list[bytes]:
        got = []
        async for chunk in in_thread(chunks()):
            got.append(chunk)
        return got

    with pytest.raises(ValueError, match="broken in the middle"):
        anyio.run(main)


def test_sync_chunks_are_closed_when_the_reader_stops_early() -> None:
    closed = []

    def chunks() -> Iterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            closed.append(True)

    async def main() -> None:
        stream = in_thread(chunks())
        async for _ in stream:
            break
        await stream.aclose()

    anyio.run(main)
    assert closed == [True]


def test_client_gone_mid_body_is_an_interrupted_upload_not_a_server_error() -> None:
    from litestar.exceptions import InternalServerException

    from bulkio.entrypoints.http.bodies import capped

    async def body() -> AsyncIterator[bytes]:
        yield b"email,name\n"
        raise InternalServerException("client disconnected prematurely")

    async def main() -> None:
        async for _ in capped(body(), 1024, "the upload"):
            pass

    with pytest.raises(UploadInterrupted):
        anyio.run(main)


def test_body_over_the_limit_is_refused_while_it_streams() -> None:
    from bulkio.domain.errors import TooLarge
    from bulkio.entrypoints.http.bodies import capped

    async def main() -> None:
        async for _ in capped(numbered(10_000), 100, "the upload"):
            pass

    with pytest.raises(TooLarge):
        anyio.run(main)
