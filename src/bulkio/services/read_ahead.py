"""Running a producer a little ahead of its consumer, in a thread of its own.

An import spends about a third of its time waiting for the database; reading and validating the
next batch meanwhile (the database driver releases the GIL while it waits) hides most of it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()
_POLL_S = 0.1


def read_ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield `items`, produced by a background thread at most `depth` items ahead.

    An error in the producer is raised in the consumer. Closing the generator (the consumer
    stopped early) stops the producer and waits for it, so it never outlives its source.
    """
    handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    closed = threading.Event()

    def put(item: object, error: BaseException | None = None) -> bool:
        while not closed.is_set():
            try:
                handoff.put((item, error), timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as err:  # handed over: the consumer raises it
            put(_END, err)

    producer = threading.Thread(target=produce, name="bulkio-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item, error = handoff.get()
            if item is _END:
                if error is not None:
                    raise error
                return
            yield item  # type: ignore[misc]
    finally:
        closed.set()
        producer.join()
