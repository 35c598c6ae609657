"""/schemas: each resource's JSON Schema and a template file, from its one declaration."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream

from bulkio.domain.errors import InvalidRequest, UnsupportedFormat, blame
from bulkio.entrypoints.http.openapi import FORMATS, RESOURCE_NAMES, documented, problems
from bulkio.entrypoints.http.streaming import media_type
from bulkio.formats import extension
from bulkio.services.schemas import json_schema, template


Resource = Annotated[str, PathParameter(description="users, articles or comments",
                                         schema_extra={"enum": RESOURCE_NAMES})]


class SchemaController(Controller):
    path = "/schemas"
    tags = ["schemas"]

    @get("/{resource:str}", sync_to_thread=False,
         operation_class=documented(), responses=problems(InvalidRequest),
         media_type="application/schema+json")
    def resource_schema(self, resource: Resource) -> dict[str, Any]:
        """The JSON Schema of one record: types, required fields, enums, lengths and formats."""
        with blame("resource"):
            return json_schema(resource)

    @get("/{resource:str}/template", sync_to_thread=False,
         responses=problems(UnsupportedFormat, InvalidRequest),
         operation_class=documented(downloads=True),
         response_description="A file with the header and one example record")
    def resource_template(
        self, resource: Resource,
        format: Annotated[str, QueryParameter(required=False, description="csv, ndjson or json",
                                              schema_extra={"enum": FORMATS})] = "csv",
    ) -> Stream:
        """A template file to fill in and import."""
        with blame("format"):
            fmt, chunks = template(resource, format)
        return Stream(chunks, media_type=media_type(fmt), headers={
            "Content-Disposition": f'attachment; filename="{resource}-template{extension(fmt)}"'})
