"""API keys: `X-API-Key` against the keys in API_KEY, in constant time; off when none is set.

The dashboard's login turns a key into a session cookie (`bulkio_session`): an HMAC of a fixed
label keyed with the API key, so the cookie never holds the key itself and stops working when
that key is removed from API_KEY. The guard accepts either.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from bulkio.services.idempotency import ANONYMOUS, scope_of

HEADER = "X-API-Key"
SESSION_COOKIE = "bulkio_session"
_SESSION_LABEL = b"bulkio dashboard session v1"


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

    def session_for(self, given: str) -> str | None:
        """The session token for a valid key (None for an invalid one)."""
        if not self._keys or not self.accepts(given):
            return None
        return _session(given.encode())

    def accepts_session(self, token: str | None) -> bool:
        """Whether a session cookie was made from one of the keys (compared with all of them)."""
        if not self._keys:
            return True
        found = False
        for key in self._keys:
            found |= hmac.compare_digest((token or "").encode(), _session(key).encode())
        return found and token is not None

    def scope(self, given: str | None) -> str:
        """Whose Idempotency-Keys these are: per API key, or everyone's when auth is off."""
        return scope_of(given) if self._keys else ANONYMOUS


def _session(key: bytes) -> str:
    return hmac.new(key, _SESSION_LABEL, hashlib.sha256).hexdigest()


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """The request carries a valid key, as the header or as the dashboard's session cookie."""
    keys = connection.app.state.api_keys
    if HEADER in connection.headers:
        return bool(keys.accepts(connection.headers.get(HEADER)))
    return bool(keys.accepts_session(connection.cookies.get(SESSION_COOKIE)))


def require_api_key(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every API route (health and docs are outside it)."""
    if not signed_in(connection):
        raise NotAuthorizedException(
            f"a valid {HEADER} header is required" if connection.headers.get(HEADER) is None
            else f"the {HEADER} is not valid"
        )
