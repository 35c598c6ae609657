"""A resource's JSON Schema and a template file, both derived from its one declaration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bulkio.domain.fields import Boolean, Choice, FieldKind, Pattern, TagList, Text, Timestamp, Uuid
from bulkio.domain.resources import EMAIL, Resource, resource_named
from bulkio.formats import Format, detect_format, encode

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_LOREM = "Bulk imports validate every row and report each error with its row and field."


def _kind_schema(kind: FieldKind) -> dict[str, Any]:
    if isinstance(kind, Uuid):
        return {"type": "string", "format": "uuid"}
    if isinstance(kind, Pattern):
        if kind.regex == EMAIL:
            return {"type": "string", "format": "email", "maxLength": kind.max_length}
        return {"type": "string", "pattern": f"^{kind.regex}$", "maxLength": kind.max_length}
    if isinstance(kind, Choice):
        return {"type": "string", "enum": list(kind.choices)}
    if isinstance(kind, Text):
        schema: dict[str, Any] = {"type": "string"}
        if kind.max_length is not None:
            schema["maxLength"] = kind.max_length
        if kind.min_words is not None:
            schema["x-minWords"] = kind.min_words
        if kind.max_words is not None:
            schema["x-maxWords"] = kind.max_words
        return schema
    if isinstance(kind, Boolean):
        return {"type": "boolean"}
    if isinstance(kind, Timestamp):
        return {"type": "string", "format": "date-time"}
    if isinstance(kind, TagList):
        return {"type": "array", "maxItems": kind.max_items,
                "items": {"type": "string", "maxLength": kind.max_length}}
    raise TypeError(f"no JSON Schema for field kind {kind!r}")


def json_schema(resource_name: str) -> dict[str, Any]:
    """The JSON Schema of one record of the resource, as an import reads it."""
    resource = resource_named(resource_name)
    properties: dict[str, Any] = {}
    for f in resource.fields:
        schema = _kind_schema(f.kind)
        if not f.required:
            schema["type"] = [schema["type"], "null"]  # null or absent: the field is unset
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        if f.default not in (None, ()):
            schema["default"] = f.default
        if f.description:
            schema["description"] = f.description
        properties[f.name] = schema
    return {
        "$schema": DIALECT,
        "$id": f"https://bulkio.dev/schemas/{resource.name}.json",
        "title": resource.name,
        "type": "object",
        "properties": properties,
        "required": [f.name for f in resource.fields if f.required],
        "x-upsertKey": resource.key,
        "x-references": {r.field: r.resource for r in resource.references},
    }


def _example(name: str, kind: FieldKind) -> Any:
    if isinstance(kind, Pattern):
        return "jane@example.com" if kind.regex == EMAIL else "my-first-article"
    if isinstance(kind, Uuid):
        return "00000000-0000-4000-8000-000000000001"
    if isinstance(kind, Choice):
        return kind.choices[0]
    if isinstance(kind, Text):
        if kind.min_words:
            words = _LOREM.split()
            return " ".join(words * (kind.min_words // len(words) + 1))
        return "Jane Doe" if name == "name" else f"Example {name.replace('_', ' ')}"
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Timestamp):
        return datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    if isinstance(kind, TagList):
        return ("news", "bulk")
    raise TypeError(f"no example for field kind {kind!r}")


def example_record(resource: Resource) -> dict[str, Any]:
    """One plausible record: every field but the generated id, minus what the rules forbid."""
    record = {f.name: _example(f.name, f.kind) for f in resource.fields if f.name != "id"}
    for rule in resource.rules:
        broken = rule.check(record)
        if broken is not None and not resource.field(broken[0]).required:
            record.pop(broken[0], None)
    return record


def template(resource_name: str, format: str = "csv") -> tuple[Format, Iterator[bytes]]:
    """A file to fill in: the header (CSV) and one example record, in the chosen format."""
    fmt = detect_format(format, None, b"")
    resource = resource_named(resource_name)
    return fmt, encode([example_record(resource)], fmt, resource.field_names)
