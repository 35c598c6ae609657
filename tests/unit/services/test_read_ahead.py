"""read_ahead: order kept, errors handed over, the producer stopped when the consumer stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bulkio.services.read_ahead import read_ahead


def test_every_item_arrives_in_order_when_consumed_to_the_end() -> None:
    assert list(read_ahead(iter(range(1000)), depth=2)) == list(range(1000))


def test_the_producers_error_is_raised_in_the_consumer_when_it_fails() -> None:
    def items() -> Iterator[int]:
        yield 1
        raise ValueError("unreadable")

    got = []
    with pytest.raises(ValueError, match="unreadable"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1]


def test_the_producer_stops_and_is_joined_when_the_consumer_closes_early() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for n in range(10_000):
            produced.append(n)
            yield n

    ahead = read_ahead(items(), depth=2)
    assert next(ahead) == 0
    ahead.close()
    assert not any(t.name == "bulkio-read-ahead" for t in threading.enumerate())
    assert len(produced) <= 4  # one consumed, at most `depth` queued, one blocked putting
