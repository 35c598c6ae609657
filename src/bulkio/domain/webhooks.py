"""Webhooks: the signature scheme and what one delivery attempt left behind.

A delivery is a POST of the job's JSON view with these headers:

    Bulkio-Webhook-Id: <job id>
    Bulkio-Webhook-Attempt: <1, 2, …>
    Bulkio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
constant time, and refuses a timestamp too far from its clock (a replay). The scheme is the one
Stripe documents for its webhooks (timestamp and body under one MAC).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from attrs import frozen

SIGNATURE_HEADER = "Bulkio-Signature"
ID_HEADER = "Bulkio-Webhook-Id"
ATTEMPT_HEADER = "Bulkio-Webhook-Attempt"
TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Bulkio-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance_s: int = TOLERANCE_S) -> bool:
    """True when `header` signs `body` with `secret` and its timestamp is within `tolerance_s`
    of `now` (Unix seconds)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = sign(secret, int(timestamp), body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


@frozen
class Delivery:
    """One attempt to deliver a job's webhook: the receiver's HTTP status, or why it failed."""

    job_id: str
    attempt: int
    at: datetime
    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
