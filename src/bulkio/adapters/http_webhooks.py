"""Webhook POSTs with httpx, through the same address checks as URL imports: the host must
resolve to public addresses only (or be allow-listed), the connection goes to the address that
was checked, and redirects are not followed (a receiver that moves is a failed delivery)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bulkio.adapters.http_fetcher import check_address
from bulkio.domain.errors import SourceUnreadable, Unavailable, WebhookRefused

_PORTS = {"http": 80, "https": 443}


class HttpWebhookSender:
    """`WebhookSender` over HTTP(S); `allow_loopback` opens this machine's addresses (tests)."""

    def __init__(self, timeout_s: float, allow_hosts: frozenset[str] = frozenset(),
                 allow_loopback: bool = False) -> None:
        self._timeout_s = timeout_s
        self._allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self._allow_loopback = allow_loopback

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body` to `url`; the receiver's status (`WebhookRefused`, `Unavailable`)."""
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as err:
            raise WebhookRefused("not a valid URL") from err
        if target.scheme not in _PORTS or not target.raw_host:
            raise WebhookRefused("the callback URL must be http or https with a host")
        host = target.raw_host.decode("ascii")
        try:
            addresses = check_address(host, target.port or _PORTS[target.scheme],
                                      self._allow_hosts, allow_loopback=self._allow_loopback,
                                      verb="call")
        except SourceUnreadable as err:
            raise WebhookRefused(str(err)) from err
        failure: Exception | None = None
        with httpx.Client(trust_env=False, follow_redirects=False) as client:
            for address in addresses:
                request = client.build_request(
                    "POST", target.copy_with(host=str(address)), content=body,
                    headers={**headers, "Host": target.netloc.decode("ascii")},
                    extensions={"sni_hostname": host}, timeout=self._timeout_s,
                )
                try:
                    return client.send(request).status_code
                except httpx.ConnectError as err:
                    failure = err
                except httpx.HTTPError as err:
                    raise Unavailable(f"calling {host} failed: {type(err).__name__}") from err
        raise Unavailable(f"cannot connect to {host}") from failure
