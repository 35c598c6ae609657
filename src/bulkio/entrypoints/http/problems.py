"""Every error as RFC 9457 problem details, from one table over the domain's error tree.

A class's closest entry in `KINDS` (along its MRO) decides the status, the stable `type` URI and
the title. Anything not in the table is a bug: it is logged with its trace and answered with a
bare 500 problem, never with the trace.
"""

from __future__ import annotations

import logging
from typing import Any

from attrs import frozen
from litestar import Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from bulkio.domain.errors import (
    Busy,
    Conflict,
    EmptySource,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    SourceUnreadable,
    TooLarge,
    Unavailable,
    UnknownField,
    UnknownResource,
    UnsupportedFormat,
)
from bulkio.services.errors import MalformedBody, UploadInterrupted

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://bulkio.dev/problems/"
log = logging.getLogger("bulkio.http")


@frozen
class Kind:
    status: int
    slug: str
    title: str

    @property
    def type(self) -> str:
        return TYPE_BASE + self.slug


KINDS: dict[type[BaseException], Kind] = {
    MalformedBody: Kind(400, "malformed-body", "Malformed request body"),
    UploadInterrupted: Kind(400, "upload-interrupted", "Upload interrupted"),
    UnknownResource: Kind(422, "unknown-resource", "Unknown resource"),
    UnknownField: Kind(422, "unknown-field", "Unknown field or filter"),
    UnsupportedFormat: Kind(415, "unsupported-format", "Unsupported format"),
    TooLarge: Kind(413, "too-large", "Upload too large"),
    EmptySource: Kind(422, "empty-file", "Empty file"),
    IdempotencyKeyReused: Kind(422, "idempotency-key-reused", "Idempotency-Key reused"),
    InvalidRequest: Kind(422, "invalid-request", "Invalid request"),
    SourceUnreadable: Kind(422, "unreadable-file", "Unreadable file"),
    NotFound: Kind(404, "not-found", "Not found"),
    IdempotencyKeyInFlight: Kind(409, "idempotency-key-in-flight", "Request already in progress"),
    InvalidTransition: Kind(409, "invalid-transition", "Job cannot change state"),
    Conflict: Kind(409, "conflict", "Conflict"),
    Busy: Kind(503, "busy", "Busy: try again shortly"),
    Unavailable: Kind(503, "unavailable", "Service unavailable"),
    NotAuthorizedException: Kind(401, "unauthorized", "Missing or invalid API key"),
    NotFoundException: Kind(404, "not-found", "Not found"),
    MethodNotAllowedException: Kind(405, "method-not-allowed", "Method not allowed"),
    ValidationException: Kind(422, "invalid-request", "Invalid request"),
    RequestEntityTooLarge: Kind(413, "too-large", "Request too large"),
    ClientException: Kind(400, "bad-request", "Bad request"),
}
INTERNAL = Kind(500, "internal", "Internal error")
BUSY_RETRY_AFTER_S = 2


def kind_for(error: type[BaseException]) -> Kind | None:
    """The entry of the closest class in `error`'s MRO, or None for an unexpected error."""
    for cls in error.__mro__:
        if cls in KINDS:
            return KINDS[cls]
    return None


def kind_of(exc: BaseException) -> Kind | None:
    return kind_for(type(exc))


def statuses(*errors: type[BaseException]) -> dict[int, str]:
    """The statuses these errors (and their subclasses) are answered with, each described by
    the titles of the errors it covers: what a route documents it may answer."""
    titles: dict[int, list[str]] = {}
    for error in (NotAuthorizedException, *errors):  # every API route is behind the key guard
        own = kind_for(error)
        assert own is not None, f"{error.__name__} has no entry in KINDS"
        covered = [kind for cls, kind in KINDS.items()
                   if issubclass(cls, error) and kind.status == own.status]
        for kind in covered:
            if kind.title not in titles.setdefault(kind.status, []):
                titles[kind.status].append(kind.title)
    return {status: ", ".join(names) for status, names in sorted(titles.items())}


def invalid(field: str, message: str, cls: type[InvalidRequest] = InvalidRequest) -> InvalidRequest:
    return cls(message, field=field)


def _field_errors(exc: BaseException) -> list[dict[str, Any]] | None:
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        return [{"field": e.get("key"), "message": e.get("message"), "in": e.get("source")}
                for e in exc.extra if isinstance(e, dict)]
    return getattr(exc, "errors", None) or None


def problem(status: int, slug: str, title: str, detail: str, instance: str,
            errors: list[dict[str, Any]] | None = None,
            headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"type": TYPE_BASE + slug, "title": title, "status": status,
                            "detail": detail, "instance": instance}
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    """The one exception handler: domain and framework errors alike become problem details."""
    kind = kind_of(exc)
    if kind is None and isinstance(exc, HTTPException) and exc.status_code < 500:
        kind = Kind(exc.status_code, "http-error", str(exc.detail))
    if kind is None:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        kind, detail = INTERNAL, "An unexpected error occurred; it has been logged."
    else:
        detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
        if kind.status >= 500:
            log.warning("%s %s: %s", request.method, request.url.path, detail)
    headers = {"WWW-Authenticate": 'ApiKey header="X-API-Key"'} if kind.status == 401 else None
    if isinstance(exc, Busy):
        headers = {"Retry-After": str(BUSY_RETRY_AFTER_S)}
    if isinstance(exc, MethodNotAllowedException) and exc.headers:
        headers = dict(exc.headers)
    return problem(kind.status, kind.slug, kind.title, detail or kind.title, request.url.path,
                   _field_errors(exc), headers)


EXCEPTION_HANDLERS = {Exception: handle}
