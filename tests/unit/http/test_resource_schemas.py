"""JSON Schema and templates come from the resource declarations."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bulkio.domain.errors import UnknownResource, UnsupportedFormat
from bulkio.domain.resources import RESOURCES
from bulkio.domain.rows import SourceRow
from bulkio.domain.validation import validate
from bulkio.services.schemas import example_record, json_schema, template


def test_users_schema_has_types_required_enums_and_formats() -> None:
    schema = json_schema("users")
    props = schema["properties"]

    assert schema["required"] == ["email", "name", "role"]
    assert props["id"]["format"] == "uuid"
    assert props["email"]["format"] == "email"
    assert props["role"]["enum"] == ["admin", "manager", "author", "editor", "reader"]
    assert props["name"]["maxLength"] == 255
    assert props["active"]["type"] == ["boolean", "null"] and props["active"]["default"] is True


def test_articles_schema_has_the_slug_pattern_and_dates() -> None:
    props = json_schema("articles")["properties"]

    assert props["slug"]["pattern"] == "^[a-z0-9]+(?:-[a-z0-9]+)*$"
    assert props["published_at"]["format"] == "date-time"
    assert props["tags"]["items"]["type"] == "string"


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_declared_field_is_in_the_schema(name: str) -> None:
    assert list(json_schema(name)["properties"]) == list(RESOURCES[name].field_names)


def test_csv_template_has_the_header_and_an_example_row() -> None:
    fmt, chunks = template("users", "csv")
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))

    assert rows[0] == ["id", "email", "name", "role", "active"]
    assert rows[1][1] == "jane@example.com" and len(rows) == 2


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_json_templates_hold_one_example_record(fmt: str) -> None:
    _, chunks = template("articles", fmt)
    text = b"".join(chunks).decode()
    record = json.loads(text)[0] if fmt == "json" else json.loads(text.splitlines()[0])

    assert record["slug"] == "my-first-article"


def test_unknown_resource_or_format_is_refused() -> None:
    with pytest.raises(UnknownResource):
        json_schema("widgets")
    with pytest.raises(UnsupportedFormat):
        template("users", "xml")


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_example_record_passes_validation(name: str) -> None:
    record = example_record(RESOURCES[name])

    checked = validate(RESOURCES[name], SourceRow(1, record))

    assert "id" not in record
    assert checked.errors == ()
