"""API keys: `X-API-Key` against the keys in API_KEY, in constant time; off when none is set."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from bulkio.services.idempotency import ANONYMOUS, scope_of

HEADER = "X-API-Key"


class ApiKeys:
    """The accepted keys; empty means authentication is disabled."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._keys = tuple(k.encode() for k in keys if k)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def accepts(self, given: str | None) -> bool:
        """Compare with every key, always all of them, so timing tells nothing."""
        if not self._keys:
            return True
        candidate = (given or "").encode()
        found = False
        for key in self._keys:
            found |= hmac.compare_digest(candidate, key)
        return found and given is not None

    def scope(self, given: str | None) -> str:
        """Whose Idempotency-Keys these are: per API key, or everyone's when auth is off."""
        return scope_of(given) if self._keys else ANONYMOUS


def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every API route (health and docs are outside it)."""
    if not connection.app.state.api_keys.accepts(connection.headers.get(HEADER)):
        raise NotAuthorizedException(
            f"a valid {HEADER} header is required" if connection.headers.get(HEADER) is None
            else f"the {HEADER} is not valid"
        )
