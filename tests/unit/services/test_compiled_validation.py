"""The compiled fast path agrees with the domain's `validate`: it never accepts a row `validate`
refuses, never returns another value, and does accept rows already in their stored form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulkio.domain.resources import ARTICLES, COMMENTS, RESOURCES, USERS, Resource
from bulkio.domain.rows import SourceRow
from bulkio.domain.validation import validate
from bulkio.services.compiled_validation import compiled

BODY = "one two three four five six seven eight nine ten"
SPACES = st.sampled_from(["", " ", "\t", "\u3000", "\x1c", "\n", "\xa0"])
WORDS = st.lists(st.sampled_from(["a", "B", "word", "ü", "x|y", "=1"]), min_size=0, max_size=12)
UUIDS = st.uuids().flatmap(lambda u: st.sampled_from(
    [str(u), str(u).upper(), u.hex, f"{{{u}}}", f" {u}", f"urn:uuid:{u}"]))
MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                       timezones=st.none() | st.just(UTC)).flatmap(lambda m: st.sampled_from(
                           [m.isoformat(), m.isoformat().replace("+00:00", "Z"),
                            m.isoformat()[:10], m.isoformat().lower(), m.isoformat() + " "]))
EMAILS = st.from_regex(r"[a-zA-Z0-9.İé_+-]{1,8}@[a-zA-Z0-9-]{1,6}\.[a-zA-Z]{2,4}", fullmatch=True)
SLUGS = st.from_regex(r"[a-zA-Z0-9-]{1,12}", fullmatch=True)
# Mixed types everywhere: what a JSON line can hold.
ANY = st.none() | st.booleans() | st.integers(-2, 2) | st.floats(allow_nan=False) | st.text(max_size=6) \
    | st.lists(st.text(max_size=4), max_size=3)


def stored_form(resource: Resource, name: str) -> st.SearchStrategy[Any]:
    """Values `validate` accepts and keeps as they are."""
    kind = resource.field(name).kind
    return {
        "Uuid": st.uuids().map(str),
        "Pattern": st.from_regex(r"[a-z0-9._+-]{1,8}@[a-z0-9-]{1,6}\.[a-z]{2,4}" if name == "email"
                                 else r"[a-z0-9]{1,5}(-[a-z0-9]{1,5}){0,2}", fullmatch=True),
        "Choice": st.sampled_from(list(getattr(kind, "choices", ("",)))),
        "Text": st.lists(st.text(min_size=1, max_size=5).filter(str.strip), min_size=10,
                         max_size=14).map(" ".join),
        "Boolean": st.booleans(),
        "Timestamp": st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                                  timezones=st.just(UTC)).map(lambda m: m.isoformat()),
        "TagList": st.lists(st.text(min_size=1, max_size=5), max_size=4),
    }[type(kind).__name__]


def padded(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(SPACES, values, SPACES).map("".join)


def plausible(resource: Resource, name: str) -> st.SearchStrategy[Any]:
    """Values near the field's rules, in and out, of every type a JSON line can hold."""
    kind = resource.field(name).kind
    choices = list(getattr(kind, "choices", ()))
    near = {
        "Uuid": padded(UUIDS),
        "Pattern": padded(EMAILS if name == "email" else SLUGS),
        "Choice": padded(st.sampled_from([*choices, "Admin", "x"])),
        "Text": padded(WORDS.map(" ".join)) | st.just(BODY),
        "Boolean": st.booleans() | padded(st.sampled_from(["true", "FALSE", "1", "0", "yes", "t",
                                                            "null", "2"])) | st.integers(-1, 2),
        "Timestamp": MOMENTS,
        "TagList": st.lists(st.text(max_size=5), max_size=4) | st.text(max_size=12)
        | st.lists(st.text(max_size=5), max_size=4).map("|".join),
    }[type(kind).__name__]
    return near | st.none() | SPACES | ANY


def rows(resource: Resource, text_only: bool) -> st.SearchStrategy[dict[str, Any]]:
    keys = [*resource.field_names, "created_at", "Email", "author id", "other"]
    values = {k: st.integers(0, 9).flatmap(
        lambda i, k=k: stored_form(resource, k) if i < 7 else plausible(resource, k))
        if k in resource.field_names else ANY for k in keys}
    if text_only:  # a CSV row: every cell is text
        values = {k: v.map(as_text) for k, v in values.items()}
    fields = {k: values[k] for k in resource.field_names}
    extra = {k: values[k] for k in keys if k not in fields}
    required = {k: v for k, v in fields.items() if resource.field(k).required}
    others = {k: v for k, v in (extra | fields).items() if k not in required}
    # Any subset of keys; or every required one (the rows the fast path is made for).
    return st.fixed_dictionaries({}, optional=extra | fields) \
        | st.fixed_dictionaries(required, optional=others)


def as_text(value: Any) -> str:
    """A value as a CSV cell holds it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "|".join(value)
    return "" if value is None else str(value)


def agrees(resource: Resource, row: dict[str, Any], lax: bool) -> None:
    fast = compiled(resource, lax)(row)
    if fast is None:
        return
    domain = validate(resource, SourceRow(1, row, 2))
    assert domain.record is not None, (row, fast, domain.errors)
    assert fast == domain.record
    assert {k: type(v) for k, v in fast.items()} == {k: type(v) for k, v in domain.record.items()}


@pytest.mark.parametrize("resource", list(RESOURCES.values()), ids=lambda r: r.name)
@pytest.mark.parametrize("lax", [False, True], ids=["json", "csv"])
def test_fast_path_never_accepts_what_validate_refuses_nor_changes_a_value(
    resource: Resource, lax: bool
) -> None:
    @settings(max_examples=600, deadline=None)
    @given(row=rows(resource, text_only=lax))
    def check(row: dict[str, Any]) -> None:
        agrees(resource, row, lax)

    check()


AUTHOR = "8d2f4a1e-3b6c-4d7e-9f10-2a3b4c5d6e7f"
STORED_FORM = [
    (USERS, {"email": "ann@example.com", "name": "Ann", "role": "admin", "active": True}),
    (USERS, {"id": AUTHOR, "email": "ann@example.com", "name": " Ann ", "role": "reader"}),
    (ARTICLES, {"slug": "a-b", "title": "T", "body": BODY, "author_id": AUTHOR, "tags": ["x", "y"],
                "status": "published", "published_at": "2024-01-15T10:30:00Z"}),
    (ARTICLES, {"slug": "a-b", "title": "T", "body": BODY, "author_id": AUTHOR, "status": "draft",
                "published_at": None, "created_at": "2024-01-15T10:30:00Z"}),
    (COMMENTS, {"id": AUTHOR, "article_id": AUTHOR, "user_id": AUTHOR, "body": "Nice"}),
]


@pytest.mark.parametrize(("resource", "row"), STORED_FORM, ids=lambda v: getattr(v, "name", ""))
def test_fast_path_accepts_rows_in_their_stored_form(resource: Resource, row: dict[str, Any]) -> None:
    assert compiled(resource)(row) == validate(resource, SourceRow(1, row, 2)).record
    cells = {k: as_text(v) for k, v in row.items()}
    assert compiled(resource, lax=True)(cells) == validate(resource, SourceRow(1, cells, 2)).record
    assert compiled(resource)(row) is not None


@pytest.mark.parametrize(("words", "accepted"), [(50_000, True), (50_001, False)])
def test_fast_path_leaves_too_many_words_to_validate(words: int, accepted: bool) -> None:
    row = {"slug": "long", "title": "T", "body": " ".join(["a"] * words), "author_id": AUTHOR,
           "status": "draft"}
    assert (compiled(ARTICLES)(row) is not None) is accepted
    assert (validate(ARTICLES, SourceRow(1, row, 2)).record is not None) is accepted


@pytest.mark.parametrize("blank", [None, "", "  "])
@pytest.mark.parametrize("lax", [False, True], ids=["json", "csv"])
def test_fast_path_treats_a_blank_value_as_validate_does(blank: str | None, lax: bool) -> None:
    if lax and blank is None:
        return  # a CSV cell is never null
    user = {"id": blank, "email": "ann@example.com", "name": "Ann", "role": "admin", "active": blank}
    article = {"slug": "a-b", "title": "T", "body": BODY, "author_id": AUTHOR, "status": "draft",
               "tags": blank, "published_at": blank}
    for resource, row in ((USERS, user), (ARTICLES, article)):
        fast = compiled(resource, lax)(row)
        if fast is not None or blank == ("" if lax else None):  # the usual blank of each form
            assert fast == validate(resource, SourceRow(1, row, 2)).record


def test_fast_path_leaves_other_spellings_of_a_column_to_validate() -> None:
    row = {"Email": "ann@example.com", "name": "Ann", "role": "admin", "id": str(uuid.uuid4())}
    assert compiled(USERS)(row) is None
    assert validate(USERS, SourceRow(1, row, 2)).record is not None


def test_the_fast_path_leaves_a_key_not_in_nfc_to_validate() -> None:
    row = {"email": "jose\u0301@example.com", "name": "Jose", "role": "admin"}
    assert compiled(USERS)(row) is None
    assert compiled(USERS, lax=True)(row) is None


@pytest.mark.parametrize("value", ["Ann\x00Lee", "x\ud800"])
def test_the_fast_path_leaves_unstorable_text_to_validate(value: str) -> None:
    row = {"email": "ann@example.com", "name": value, "role": "admin"}
    assert compiled(USERS)(row) is None
    assert compiled(USERS, lax=True)(row) is None


def test_the_fast_path_leaves_unstorable_tags_to_validate() -> None:
    row = {"slug": "one", "title": "One", "body": BODY, "author_id": str(uuid.UUID(int=1)),
           "status": "draft", "tags": ["ok", "n\x00"]}
    assert compiled(ARTICLES)(row) is None
