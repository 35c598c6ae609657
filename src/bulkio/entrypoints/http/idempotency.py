"""The Idempotency-Key header, and whose key it is (per API key)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.params import HeaderParameter

from bulkio.entrypoints.http.auth import HEADER as API_KEY_HEADER
from bulkio.services.idempotency import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(name=HEADER, min_length=1, max_length=255, required=False,
              description="Send the same key to retry safely: the job is created once, and a "
                          "replay answers 200 with `Idempotent-Replayed: true`. Kept 24 hours."),
]


def key_of(request: Request[Any, Any, Any], key: str | None) -> IdempotencyKey | None:
    """The request's Idempotency-Key in its caller's scope (one scope per API key)."""
    if key is None:
        return None
    return IdempotencyKey(key, request.app.state.api_keys.scope(request.headers.get(API_KEY_HEADER)))
