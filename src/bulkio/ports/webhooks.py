"""How a job's webhook reaches its receiver."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class WebhookSender(Protocol):
    """POSTs a signed body to a callback URL."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """Send `body` with `headers`; the receiver's HTTP status. Raises `WebhookRefused` for
        a URL that may not be called, `Unavailable` when the receiver cannot be reached."""
