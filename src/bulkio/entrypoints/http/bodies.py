"""Reading request bodies: capped in size (`TooLarge`), JSON refused (`MalformedBody`) when it
is not JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException

from bulkio.domain.errors import TooLarge
from bulkio.entrypoints.http.problems import invalid
from bulkio.services.errors import MalformedBody, UploadInterrupted

JSON_BODY_LIMIT = 1024 * 1024


async def capped(chunks: AsyncIterator[bytes], limit: int, what: str) -> AsyncIterator[bytes]:
    """The body, refused (`TooLarge`) as soon as it goes over `limit` bytes; a client that goes
    away mid-body is an interrupted upload, not a server error."""
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > limit:
                raise TooLarge(f"{what} is larger than the limit of {limit:,} bytes")
            yield chunk
    except InternalServerException as err:  # Litestar's word for "client disconnected"
        raise UploadInterrupted(f"the client stopped sending {what}: {err.detail}") from None


async def read_json(request: Request[Any, Any, Any]) -> Any:
    """A small JSON body: `TooLarge` when too large, `MalformedBody` when it is not JSON."""
    if (request.content_length or 0) > JSON_BODY_LIMIT:
        raise TooLarge(f"the JSON body is larger than {JSON_BODY_LIMIT:,} bytes")
    body = bytearray()
    async for chunk in capped(request.stream(), JSON_BODY_LIMIT, "the JSON body"):
        body += chunk
    try:
        return json.loads(body, parse_constant=_no_constant)
    except ValueError as err:
        raise MalformedBody(f"the body is not valid JSON: {err}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid("body", "the body must be a JSON object")
    return value
