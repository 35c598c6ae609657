"""The OpenAPI document: Swagger UI with an API-key Authorize button, problem responses, and the
request bodies and filter parameters the handlers parse themselves (derived from the resources)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from importlib.metadata import PackageNotFoundError, version

from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
import openapi_ui_bundles
from litestar import Router
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    Operation,
    OpenAPIMediaType,
    OpenAPIType,
    Parameter,
    RequestBody,
    Schema,
    SecurityScheme,
)

from bulkio.domain.errors import (
    Busy,
    Conflict,
    InvalidRequest,
    NotFound,
    TooLarge,
    UnsupportedFormat,
)
from bulkio.domain.resources import RESOURCES
from bulkio.entrypoints.http.problems import PROBLEM_JSON, statuses
from bulkio.entrypoints.http.views import Problem
from bulkio.formats import Format
from bulkio.services.errors import MalformedBody

API_KEY_SCHEME = "ApiKeyAuth"
SECURITY = [{API_KEY_SCHEME: []}]
RESOURCE_NAMES = sorted(RESOURCES)
FORMATS = [f.value for f in Format]

def problems(*errors: type[BaseException]) -> dict[int, ResponseSpec]:
    """Response specs, as problem details, for the errors a route may raise (and a missing
    API key), at the statuses `problems.statuses` gives them."""
    return {
        status: ResponseSpec(Problem, description=description, media_type=PROBLEM_JSON,
                             generate_examples=False)
        for status, description in statuses(*errors).items()
    }


def documented(body: RequestBody | None = None, parameters: Sequence[Parameter] = (),
               downloads: bool = False, created: bool = False) -> type[Operation]:
    """An Operation class adding what the handler does by hand: a request body or parameters it
    parses itself, file downloads (CSV, NDJSON, JSON), or the headers of a created job."""

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            _problems_only(self.responses)  # type: ignore[arg-type]
            if body is not None:
                self.request_body = body
            if parameters:
                self.parameters = [*(self.parameters or []), *parameters]
            if downloads:
                _as_download(self.responses["200"])  # type: ignore[index,arg-type]
            if created:
                _with_headers(self.responses, {  # type: ignore[arg-type]
                    "201": {"Location": "The new job's URL"},
                    "200": {"Location": "The job's URL",
                            "Idempotent-Replayed": "`true`: this answers an earlier request"},
                })

    return DocumentedOperation


# What the job routes of either kind may answer besides the job itself.
CREATE_PROBLEMS = problems(MalformedBody, Conflict, TooLarge, UnsupportedFormat, InvalidRequest)
READ_PROBLEMS = problems(NotFound)
# Cancelling or resuming a job: the route options they share.
CHANGING: dict[str, Any] = {"status_code": 200, "sync_to_thread": True,
                            "operation_class": documented(),
                            "responses": problems(NotFound, Conflict, Busy)}


def _problems_only(responses: dict[str, Any] | None) -> None:
    """Drop the error responses Litestar adds on its own (a 400 in its own JSON shape for any
    route with parameters): bulkio answers every error as problem details, declared per route."""
    for status in [s for s in (responses or {}) if s[0] in "45"]:
        if PROBLEM_JSON not in (responses[status].content or {}):  # type: ignore[index]
            del responses[status]  # type: ignore[union-attr]


def _as_download(response: Any) -> None:
    listed = (response.content or {}).get("application/json")
    records = Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT))
    json_schema = records if listed is None or not listed.schema or listed.schema == Schema() \
        else Schema(one_of=[listed.schema, records])
    response.content = {
        "text/csv": OpenAPIMediaType(schema=_string(format="binary")),
        "application/x-ndjson": OpenAPIMediaType(schema=_string(format="binary")),
        "application/json": OpenAPIMediaType(schema=json_schema),
    }
    response.headers = {**(response.headers or {}), "Content-Disposition": OpenAPIHeader(
        schema=_string(), description='`attachment; filename="…"` on file downloads')}


def _with_headers(responses: dict[str, Any], headers: dict[str, dict[str, str]]) -> None:
    for status, named in headers.items():
        if status in responses:
            response = responses[status]
            response.headers = {**(response.headers or {}), **{
                name: OpenAPIHeader(schema=_string(), description=text)
                for name, text in named.items()}}


def _string(**extra: object) -> Schema:
    return Schema(type=OpenAPIType.STRING, **extra)  # type: ignore[arg-type]


RESOURCE = _string(enum=RESOURCE_NAMES, description="users, articles or comments")
FORMAT = _string(enum=FORMATS, description="csv, ndjson or json (default: from the file)")
BOOLEAN = Schema(type=OpenAPIType.BOOLEAN)
DELIMITER_TEXT = ("A CSV file's field delimiter: one character other than a double quote, CR "
                  "or LF, such as `;`, `|` or a tab (`%09`). Default: a first line `sep=X` "
                  "names it, else the most frequent of `,` `;` tab `|` in the header line. "
                  "NDJSON and JSON ignore it")
DELIMITER = _string(min_length=1, max_length=1, description=DELIMITER_TEXT)
KEEP_FORMULAS_TEXT = ("CSV only: write text that starts with =, +, -, @, a tab or a carriage "
                      "return raw. By default such a cell gets a leading ' so spreadsheets show "
                      "it instead of running it as a formula (OWASP CSV injection advice). "
                      "NDJSON and JSON are always exact.")
KEEP_FORMULAS = Schema(type=OpenAPIType.BOOLEAN, default=False, description=KEEP_FORMULAS_TEXT)
CALLBACK = _string(format="uri", description="Webhook: POSTed the job, signed, when it ends "
                   "(needs WEBHOOK_SECRET on the server; see the README)")


def filter_parameters() -> list[Parameter]:
    """One optional query parameter per export filter any resource declares."""
    owners: dict[str, list[str]] = {}
    for resource in RESOURCES.values():
        for flt in resource.filters:
            owners.setdefault(flt.name, []).append(resource.name)
    return [
        Parameter(name=name, param_in="query", required=False, schema=_string(),
                  description=f"Filter ({', '.join(owners[name])})")
        for name in sorted(owners)
    ]


def _filters_schema() -> Schema:
    properties = {p.name: _string(description=p.description) for p in filter_parameters()}
    return Schema(type=OpenAPIType.OBJECT, properties=properties,  # type: ignore[arg-type]
                  description="Filters by name; each resource accepts its own")


IMPORT_BODY = RequestBody(
    required=True,
    description=(
        "A file as multipart form data; or JSON naming a remote `fileUrl`; or the file itself "
        "as the raw body (any other content type) with `resourceType` in the query."
    ),
    content={
        "multipart/form-data": OpenAPIMediaType(schema=Schema(
            type=OpenAPIType.OBJECT,
            required=["file", "resourceType"],
            properties={  # type: ignore[arg-type]
                "file": _string(format="binary"), "resourceType": RESOURCE, "format": FORMAT,
                "dryRun": BOOLEAN, "callbackUrl": CALLBACK, "delimiter": DELIMITER,
            },
        )),
        "application/json": OpenAPIMediaType(schema=Schema(
            type=OpenAPIType.OBJECT,
            required=["resourceType", "fileUrl"],
            properties={  # type: ignore[arg-type]
                "resourceType": RESOURCE, "fileUrl": _string(format="uri"), "format": FORMAT,
                "dryRun": BOOLEAN, "callbackUrl": CALLBACK, "delimiter": DELIMITER,
            },
        )),
        "application/octet-stream": OpenAPIMediaType(schema=_string(format="binary")),
    },
)

EXPORT_BODY = RequestBody(
    required=True,
    content={"application/json": OpenAPIMediaType(schema=Schema(
        type=OpenAPIType.OBJECT,
        required=["resourceType"],
        properties={  # type: ignore[arg-type]
            "resourceType": RESOURCE,
            "format": _string(enum=FORMATS, default="ndjson"),
            "filters": _filters_schema(),
            "fields": Schema(type=OpenAPIType.ARRAY, items=_string(),
                             description="Columns to export, in order (default: all)"),
            "keepFormulas": KEEP_FORMULAS,
            "callbackUrl": CALLBACK,
        },
    ))},
)


def _version() -> str:
    try:
        return version("bulkio")
    except PackageNotFoundError:
        return "0.0.0"


ASSETS = "/api/assets"  # Swagger UI and ReDoc from the openapi-ui-bundles package: no CDN
_FAVICON = f"<link rel='icon' type='image/png' href='{ASSETS}/swagger-ui/favicon-32x32.png'>"


def docs_assets() -> list[Router]:
    """The routes that serve the documentation pages' scripts and styles from this package."""
    return [
        create_static_files_router(path=f"{ASSETS}/swagger-ui", include_in_schema=False,
                                   directories=[openapi_ui_bundles.swagger_ui.static_path]),
        create_static_files_router(path=f"{ASSETS}/redoc", include_in_schema=False,
                                   directories=[openapi_ui_bundles.redoc.static_path]),
    ]


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="bulkio",
        version=_version(),
        description=(
            "Bulk import and export of users, articles and comments. Authenticate with the "
            "`X-API-Key` header (the Authorize button). Errors are RFC 9457 problem details."
        ),
        path="/api",
        render_plugins=[
            SwaggerRenderPlugin(
                path="/docs", favicon=_FAVICON, js_url=f"{ASSETS}/swagger-ui/swagger-ui-bundle.js",
                css_url=f"{ASSETS}/swagger-ui/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS}/swagger-ui/swagger-ui-standalone-preset.js",
            ),
            RedocRenderPlugin(path="/redoc", favicon=_FAVICON, google_fonts=False,
                              js_url=f"{ASSETS}/redoc/redoc.standalone.js"),
            JsonRenderPlugin(path="/openapi.json"),
        ],
        components=Components(security_schemes={
            API_KEY_SCHEME: SecurityScheme(
                type="apiKey", name="X-API-Key", security_scheme_in="header",
                description="One of the keys in API_KEY",
            ),
        }),
        use_handler_docstrings=True,
    )
