"""The three resources, each declared once: fields, key, references, cross-field rules, filters.

Formats, database tables, export columns, JSON Schema and OpenAPI all derive from these
declarations; nothing else in bulkio lists a resource's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from bulkio.domain.errors import FieldProblem, UnknownField, UnknownResource
from bulkio.domain.fields import (
    Boolean,
    Choice,
    FieldKind,
    Pattern,
    TagList,
    Text,
    Timestamp,
    Uuid,
)
from bulkio.domain.rows import ErrorCode

EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
KEBAB_CASE = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ROLES = ("admin", "manager", "author", "editor", "reader")
ARTICLE_STATUSES = ("draft", "published", "archived")


@frozen
class Field:
    """One declared field of a resource."""

    name: str
    kind: FieldKind
    required: bool = False
    default: Any = None
    description: str = ""
    clearable: bool = False  # an empty cell or a JSON null stores `default` (else it means "absent")


@frozen
class Filter:
    """An export filter: its public name, the field it reads and how it compares."""

    name: str
    field: str
    op: str = "eq"  # eq | gte | lt


@frozen
class Reference:
    """A field that must hold the id of an existing record of another resource."""

    field: str
    resource: str


Broken = tuple[str, ErrorCode, str]  # the field to blame, the code, the message


@frozen
class Rule:
    """A rule across fields: `check(record)` returns what is broken, or None.

    `reads` names the fields it looks at: validation applies it to a row that carries all of
    them; the upsert plan applies it to every record as it would be stored."""

    reads: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], Broken | None]


@frozen
class Resource:
    """A kind of record bulkio imports and exports."""

    name: str
    fields: tuple[Field, ...]
    key: str
    references: tuple[Reference, ...] = ()
    rules: tuple[Rule, ...] = ()
    filters: tuple[Filter, ...] = ()
    _by_name: Mapping[str, Field] = field(init=False, repr=False, eq=False)
    _names: tuple[str, ...] = field(init=False, repr=False, eq=False)
    _defaults: Mapping[str, Any] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})
        object.__setattr__(self, "_names", tuple(f.name for f in self.fields))
        object.__setattr__(self, "_defaults", MappingProxyType({f.name: f.default for f in self.fields}))

    @property
    def field_names(self) -> tuple[str, ...]:
        return self._names  # read per row by validation and the stores: built once

    @property
    def defaults(self) -> Mapping[str, Any]:
        """Every field at its default: what a new record holds where its row is silent
        (read-only, built once: the plan reads it for every record)."""
        return self._defaults

    def broken_rule(self, record: Mapping[str, Any]) -> Broken | None:
        """The first rule `record` breaks, or None (`record` holds every field the rules read)."""
        for rule in self.rules:
            broken = rule.check(record)
            if broken is not None:
                return broken
        return None

    @property
    def export_columns(self) -> tuple[str, ...]:
        return (*self.field_names, "created_at", "updated_at")

    def field(self, name: str) -> Field:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownField(f"{self.name} has no field {name!r}") from None

    def filter(self, name: str) -> Filter:
        for candidate in self.filters:
            if candidate.name == name:
                return candidate
        known = ", ".join(f.name for f in self.filters)
        raise UnknownField(f"{self.name} cannot be filtered by {name!r} (known: {known})",
                           field=name)


def _published_needs_date(record: Mapping[str, Any]) -> Broken | None:
    status, published_at = record.get("status"), record.get("published_at")
    if status == "published" and published_at is None:
        return "published_at", ErrorCode.REQUIRED, "Published articles must have published_at"
    if status == "draft" and published_at is not None:
        return "published_at", ErrorCode.INCONSISTENT, "Draft articles cannot have published_at"
    return None


_CREATED = (Filter("createdAfter", "created_at", "gte"), Filter("createdBefore", "created_at", "lt"))

USERS = Resource(
    name="users",
    key="email",
    fields=(
        Field("id", Uuid(), description="Auto-generated if not provided"),
        Field("email", Pattern(EMAIL, "email", max_length=254, lowercase=True), required=True,
              description="Unique email address (compared case-insensitively, stored lowercase)"),
        Field("name", Text(max_length=255), required=True, description="User's full name"),
        Field("role", Choice(ROLES, "role"), required=True, description="One of " + ", ".join(ROLES)),
        Field("active", Boolean(), default=True,
              description="Default: true (an empty cell or null leaves it as stored)"),
    ),
    filters=(Filter("role", "role"), Filter("active", "active"), Filter("email", "email"), *_CREATED),
)

ARTICLES = Resource(
    name="articles",
    key="slug",
    fields=(
        Field("id", Uuid(), description="Auto-generated if not provided"),
        Field("slug", Pattern(KEBAB_CASE, "slug (kebab-case)"), required=True,
              description="Unique, kebab-case URL slug"),
        Field("title", Text(max_length=500), required=True, description="Article title"),
        Field("body", Text(min_words=10, max_words=50_000), required=True,
              description="Article content (10-50,000 words)"),
        Field("author_id", Uuid(), required=True, description="Must reference an existing user"),
        Field("tags", TagList(), default=(), clearable=True,
              description="Array of tags; in CSV a|b|c or a JSON array; an empty cell or null clears them"),
        Field("status", Choice(ARTICLE_STATUSES, "status"), required=True,
              description="One of " + ", ".join(ARTICLE_STATUSES)),
        Field("published_at", Timestamp(), clearable=True,
              description="ISO date; required if published, not allowed for drafts; an empty cell or null clears it"),
    ),
    references=(Reference("author_id", "users"),),
    rules=(Rule(("status", "published_at"), _published_needs_date),),
    filters=(Filter("status", "status"), Filter("authorId", "author_id"), Filter("slug", "slug"), *_CREATED),
)

COMMENTS = Resource(
    name="comments",
    key="id",
    fields=(
        Field("id", Uuid(), description="Auto-generated if not provided"),
        Field("article_id", Uuid(), required=True, description="Must reference an existing article"),
        Field("user_id", Uuid(), required=True, description="Must reference an existing user"),
        Field("body", Text(max_length=10_000), required=True, description="Comment text (max 10,000 chars)"),
    ),
    references=(Reference("article_id", "articles"), Reference("user_id", "users")),
    filters=(Filter("articleId", "article_id"), Filter("userId", "user_id"), *_CREATED),
)

RESOURCES: Mapping[str, Resource] = {r.name: r for r in (USERS, ARTICLES, COMMENTS)}


def resource_named(name: str) -> Resource:
    """The resource called `name`, or `UnknownResource`."""
    try:
        return RESOURCES[name]
    except KeyError:
        raise UnknownResource(
            f"Unknown resource {name!r}: must be one of {', '.join(RESOURCES)}"
        ) from None


__all__ = ["ARTICLES", "COMMENTS", "RESOURCES", "USERS", "Field", "FieldProblem", "Filter",
           "Reference", "Resource", "Rule", "resource_named"]
