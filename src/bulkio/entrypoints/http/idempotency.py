"""The Idempotency-Key header: who claims it (per API key), for what request (its fingerprint)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from litestar import Request
from litestar.params import HeaderParameter

from bulkio.entrypoints.http.auth import HEADER as API_KEY_HEADER
from bulkio.services.idempotency import Claim, fingerprint

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(name=HEADER, min_length=1, max_length=255, required=False,
              description="Send the same key to retry safely: the job is created once, and a "
                          "replay answers 200 with `Idempotent-Replayed: true`. Kept 24 hours."),
]

Claimer = Callable[[Mapping[str, Any], "str | None"], "Claim | None"]


def claimer(request: Request[Any, Any, Any], key: str | None) -> Claimer:
    """A function that turns the request's parameters (and file hash) into its claim on `key`.

    Everything it needs from the request is read now, so it can run in a worker thread.
    """
    if key is None:
        return lambda params, content=None: None
    scope = request.app.state.api_keys.scope(request.headers.get(API_KEY_HEADER))
    method, path = request.method, request.url.path

    def claim(params: Mapping[str, Any], content: str | None = None) -> Claim:
        return Claim(scope, key, fingerprint(method, path, params, content))

    return claim
