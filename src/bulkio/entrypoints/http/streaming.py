"""Between the event loop and the synchronous services, both ways, never holding a whole file.

`pump` feeds a request body to a consumer running in a worker thread, chunk by chunk, with
back-pressure; `in_thread` turns a sync chunk iterator (an export, a report) into an async one.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import BinaryIO, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

from bulkio.services.errors import UploadInterrupted
from bulkio.formats import Format, content_type

T = TypeVar("T")
DEPTH = 8  # chunks in flight between the loop and the thread (uvicorn reads ~64 KiB at a time)
FILE_CHUNK = 1024 * 1024
_ABORT = object()
_DONE = object()


async def pump(source: AsyncIterator[bytes], consume: Callable[[Iterator[bytes]], T],
               limiter: anyio.CapacityLimiter | None = None) -> T:
    """Run `consume(chunks)` in a worker thread while `source` is read on the event loop.

    `limiter` bounds how many run at once apart from the default thread pool, so long uploads
    cannot take every thread the other handlers need.

    If reading stops early, `consume` sees `UploadInterrupted` instead of a short stream, so a
    truncated upload is never stored as if it were whole; if `consume` fails, reading stops and
    its error is raised.
    """
    send, receive = anyio.create_memory_object_stream[object](DEPTH)
    result: list[T] = []
    consumer_failed: list[Exception] = []
    reader_failed: list[BaseException] = []

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                item = anyio.from_thread.run(receive.receive)
            except anyio.EndOfStream:
                return
            if item is _ABORT:
                raise UploadInterrupted("the upload stopped before its end")
            yield item  # type: ignore[misc]

    async def consumer() -> None:
        try:
            result.append(await anyio.to_thread.run_sync(consume, chunks(), limiter=limiter))
        except Exception as err:  # noqa: BLE001 - handed to the caller below
            consumer_failed.append(err)
        finally:
            receive.close()

    async def reader() -> None:
        try:
            async for chunk in source:
                if chunk:
                    await send.send(chunk)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the consumer stopped reading; its own outcome says why
        except Exception as err:  # noqa: BLE001 - handed to the caller below
            reader_failed.append(err)
            with anyio.CancelScope(shield=True), \
                    contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await send.send(_ABORT)
        finally:
            send.close()

    # Neither task raises inside the group (anyio would wrap it in an ExceptionGroup).
    async with anyio.create_task_group() as group:
        group.start_soon(consumer)
        group.start_soon(reader)
    if reader_failed:
        raise reader_failed[0]
    if consumer_failed:
        raise consumer_failed[0]
    return result[0]


async def in_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Pull a sync iterator from worker threads. Unlike Litestar's own wrapper, an error inside
    (even a ValueError) breaks the response instead of passing for a clean end of file."""
    try:
        while True:
            chunk = await anyio.to_thread.run_sync(next, chunks, _DONE)
            if chunk is _DONE:
                return
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close)


def media_type(fmt: Format | str) -> str:
    """The format's media type without parameters (Litestar adds the charset of text types)."""
    return content_type(Format(fmt)).split(";")[0]


def file_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """A stored file, piece by piece, closed at the end (or when the client goes away)."""
    with stream:
        while piece := stream.read(FILE_CHUNK):
            yield piece
