"""What a job shows of a row's value: a preview whose size has a bound, however the value nests."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bulkio.domain.rows import PREVIEW, brief

# Text within PREVIEW characters, and at most PREVIEW entries, each a few characters of JSON.
BOUND = PREVIEW + PREVIEW * 32

values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=400),
    lambda inner: st.lists(inner, max_size=30)
    | st.dictionaries(st.text(max_size=300), inner, max_size=30),
    max_leaves=300,
)


def size(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False))


def test_a_short_value_is_shown_as_it_is() -> None:
    value = {"tags": ["a", "b"], "name": "Ada", "n": [1, 2, 3]}
    assert brief(value) == value


def test_long_text_and_long_lists_are_cut_with_a_mark() -> None:
    assert brief("x" * 1000) == "x" * PREVIEW + "…"
    assert brief(list(range(30))) == [*range(20), "…"]


def test_a_deeply_nested_value_is_cut_to_one_preview_in_all() -> None:
    value = [[["x" * PREVIEW] * 20] * 20] * 20  # 1.6 million characters

    shown = brief(value)

    assert shown == [[["x" * PREVIEW, "…"], "…"], "…"]


@given(values)
def test_a_preview_has_a_bounded_size_whatever_the_value(value: object) -> None:
    assert size(brief(value)) <= BOUND
    if size(value) <= PREVIEW // 4:
        assert brief(value) == value  # nothing cut from a small value
