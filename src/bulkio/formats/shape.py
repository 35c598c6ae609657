"""The shape of one JSON row checked against `ReadLimits`: depth, values, keys, string length.

Readers of NDJSON and JSON call `shape_problem` on each row they built (small by then: the line
or element was bounded before it was parsed), and `events_problem` on parser events of input
not yet built, so an over-deep or over-wide piece is refused without being built.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from operator import itemgetter
from typing import Any

from bulkio.formats.limits import ReadLimits

# What the JSON reader puts in place of the rest of a string longer than `max_value`.
CUT_MARK = "\ue000bulkio:cut\ue000"

_DELTA = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1, "map_key": 0,
          "string": 0, "number": 0, "integer": 0, "double": 0, "boolean": 0, "null": 0}
_EVENT = itemgetter(0)


def too_long_value(limits: ReadLimits) -> str:
    """The row error message for a value over `max_value`."""
    return (f"a value is longer than the limit of {limits.max_value:,} characters "
            "(BULKIO_MAX_VALUE_CHARS)")


def _text_problem(text: str, limits: ReadLimits) -> tuple[str, str] | None:
    if len(text) > limits.max_value or text.endswith(CUT_MARK):
        return too_long_value(limits), text.removesuffix(CUT_MARK)
    return None


def shape_problem(value: dict[str, Any], limits: ReadLimits) -> tuple[str, str] | None:
    """Why a built row is over a limit, with a preview of the culprit; None when it is not.

    A flat row (the usual one) is checked in one pass over its items; nested values are walked."""
    if len(value) > limits.max_columns:
        return (f"an object has {len(value):,} keys, more than the limit of "
                f"{limits.max_columns:,} (BULKIO_MAX_COLUMNS)", "")
    longest, nested = limits.max_value, False
    for key, item in value.items():
        if len(key) > longest or key.endswith(CUT_MARK):
            return _text_problem(key, limits) or (too_long_value(limits), key)
        kind = type(item)
        if kind is str:
            if len(item) > longest or item.endswith(CUT_MARK):
                return _text_problem(item, limits) or (too_long_value(limits), item)
        elif kind is list or kind is dict:
            nested = True
    return _nested_problem(value, limits) if nested else None


def _nested_problem(value: Any, limits: ReadLimits) -> tuple[str, str] | None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    seen = 0
    while stack:
        item, depth = stack.pop()
        seen += 1
        kind = type(item)
        if kind is str:
            if (problem := _text_problem(item, limits)) is not None:
                return problem
            continue
        if kind is not dict and kind is not list:
            continue
        if depth > limits.max_depth:
            return f"values nest deeper than the limit of {limits.max_depth} levels (BULKIO_MAX_DEPTH)", ""
        if kind is dict:
            if len(item) > limits.max_columns:
                return (f"an object has {len(item):,} keys, more than the limit of "
                        f"{limits.max_columns:,} (BULKIO_MAX_COLUMNS)", "")
            for key in item:
                if (problem := _text_problem(key, limits)) is not None:
                    return problem
            children = item.values()
        else:
            children = item
        if seen + len(children) > limits.max_values:
            return (f"the row holds more than the limit of {limits.max_values:,} values "
                    "(BULKIO_MAX_VALUES)", "")
        stack.extend((child, depth + 1) for child in children)
    return None


class EventShape:
    """Depth and values per element over a stream of parser events, checked chunk by chunk.

    `level` is the depth of the elements (1: rows of a top-level array; 0: one NDJSON line).
    Most of the work runs in C (`accumulate` over event kinds); Python loops only over a chunk
    whose elements may be near a limit."""

    def __init__(self, limits: ReadLimits, level: int) -> None:
        self._limits, self._level = limits, level
        self.depth = 0
        self.elements = -1 if level else 0  # elements finished (a root array's start is not one)
        self._since = 0  # events of the unfinished element

    def feed(self, events: Sequence[tuple[str, Any]]) -> str | None:
        """Check the next events; the reason the current element is over a limit, or None."""
        if not events:
            return None
        level, limits = self._level, self._limits
        depths = list(accumulate(map(_DELTA.__getitem__, map(_EVENT, events)), initial=self.depth))
        del depths[0]
        if max(depths) - level > limits.max_depth or self._since + len(events) > limits.max_values:
            problem = self._walk(events, depths)
            if problem is not None:
                return problem
        else:
            finished = depths.count(level)
            if finished:
                self.elements += finished
                self._since = depths[::-1].index(level)  # events after the last element
            else:
                self._since += len(events)
        self.depth = depths[-1]
        return None

    def _walk(self, events: Sequence[tuple[str, Any]], depths: list[int]) -> str | None:
        level, limits = self._level, self._limits
        for depth in depths:
            if depth == level:
                self.elements += 1
                self._since = 0
                continue
            self._since += 1
            if depth - level > limits.max_depth:
                return (f"element {self.elements + 1} nests deeper than the limit of "
                        f"{limits.max_depth} levels (BULKIO_MAX_DEPTH)")
            if self._since > limits.max_values:
                return (f"element {self.elements + 1} holds more than the limit of "
                        f"{limits.max_values:,} values (BULKIO_MAX_VALUES)")
        return None
