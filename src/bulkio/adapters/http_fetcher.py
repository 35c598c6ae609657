"""Fetching a remote file over HTTP(S) without letting the URL reach inside our network.

A URL import is a request the server makes on a caller's behalf, so every hop is checked: the
host's addresses must all be public (or the host allow-listed), the connection goes to the very
address that was checked (no second DNS lookup an attacker could answer differently), and each
redirect is checked again before it is followed.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

import httpx

from bulkio.domain.errors import SourceUnreadable

IPAddress = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_REDIRECTS = {301, 302, 303, 307, 308}
_NAT64 = IPv6Network("64:ff9b::/96")


def check_address(
    host: str, port: int, allow_hosts: frozenset[str] = frozenset(), resolve: Resolver | None = None,
    allow_loopback: bool = False, verb: str = "fetch from",
) -> list[IPAddress]:
    """The addresses `host` resolves to; `SourceUnreadable` unless all are public or it is allowed
    (`allow_loopback`: this machine's addresses too, for tests only). Its message says what was
    refused: "refusing to `verb` HOST"."""
    host = host.lower()
    addresses = _addresses(host, port, resolve or _getaddrinfo)
    allowed = {host, f"{host}:{port}", f"[{host}]:{port}"} & allow_hosts
    if not allowed and not all(_is_public(address) or (allow_loopback and address.is_loopback)
                               for address in addresses):
        # The resolved address stays out of the message: it would map the inside network.
        raise SourceUnreadable(f"refusing to {verb} {host}: it is not a public address")
    return addresses


class HttpFetcher:
    """Streams a URL's body with httpx, within a size and a total time budget."""

    def __init__(
        self,
        max_bytes: int,
        timeout_s: float,
        allow_hosts: frozenset[str] = frozenset(),
        max_redirects: int = 5,
    ) -> None:
        self._max_bytes = max_bytes
        self._timeout_s = timeout_s
        self._allow_hosts = frozenset(host.lower() for host in allow_hosts)
        self._max_redirects = max_redirects

    def chunks(self, url: str) -> Iterator[bytes]:
        """Stream the body at `url` (`SourceUnreadable` when it cannot be fetched or is refused)."""
        deadline = time.monotonic() + self._timeout_s
        # No proxies or .netrc from the environment: the connection must go where we checked.
        with httpx.Client(trust_env=False, follow_redirects=False) as client:
            response = self._open(client, _parse(url), deadline)
            with contextlib.closing(response):
                yield from self._body(response, deadline)

    def _open(self, client: httpx.Client, url: httpx.URL, deadline: float) -> httpx.Response:
        for _ in range(self._max_redirects + 1):
            response = self._send(client, url, deadline)
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                response.close()
                url = _parse(str(url.join(location)))
                continue
            if not 200 <= response.status_code < 300:
                response.close()
                raise SourceUnreadable(f"fetching URL answered {response.status_code}")
            return response
        raise SourceUnreadable(f"fetching URL redirected more than {self._max_redirects} times")

    def _send(self, client: httpx.Client, url: httpx.URL, deadline: float) -> httpx.Response:
        host = url.raw_host.decode("ascii")
        addresses = check_address(host, url.port or _DEFAULT_PORTS[url.scheme], self._allow_hosts)
        failure: Exception | None = None
        for address in addresses:
            request = client.build_request(
                "GET",
                url.copy_with(host=str(address)),
                headers={"Host": url.netloc.decode("ascii")},
                extensions={"sni_hostname": host},
                timeout=_remaining(deadline),
            )
            try:
                return client.send(request, stream=True)
            except httpx.ConnectError as err:
                failure = err
            except httpx.TimeoutException as err:
                raise SourceUnreadable("fetching URL timed out") from err
            except httpx.HTTPError as err:
                raise SourceUnreadable(f"fetching URL failed: {err}") from err
        raise SourceUnreadable(f"cannot connect to {host}") from failure

    def _body(self, response: httpx.Response, deadline: float) -> Iterator[bytes]:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise _too_large(self._max_bytes)
        total = 0
        try:
            # Chunks as they arrive (no re-chunking), so the clock is checked on every read.
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > self._max_bytes:
                    raise _too_large(self._max_bytes)
                _remaining(deadline)
                yield chunk
        except httpx.TimeoutException as err:
            raise SourceUnreadable("fetching URL timed out") from err
        except httpx.HTTPError as err:
            raise SourceUnreadable(f"reading from URL failed: {err}") from err


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as err:
        raise SourceUnreadable("not a valid URL") from err
    if parsed.scheme not in _DEFAULT_PORTS:
        raise SourceUnreadable("only http and https URLs can be fetched")
    if not parsed.raw_host:
        raise SourceUnreadable("the URL has no host")
    return parsed


def _too_large(limit: int) -> SourceUnreadable:
    return SourceUnreadable(f"the file at the URL is larger than {limit} bytes")


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise SourceUnreadable("fetching URL timed out")
    return left


def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        found: Sequence[str] = [str(ip_address(host))]
    except ValueError:
        try:
            found = resolve(host, port)
        except (OSError, UnicodeError) as err:
            raise SourceUnreadable(f"cannot resolve host {host}") from err
    addresses: list[IPAddress] = []
    for text in found:
        address = ip_address(text)
        # ::ffff:a.b.c.d is a.b.c.d on the wire: judge (and connect to) the IPv4 address.
        if isinstance(address, IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise SourceUnreadable(f"cannot resolve host {host}")
    return addresses


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, IPv6Address):
        # 6to4 and NAT64 addresses carry an IPv4 address that must be public too.
        embedded = address.sixtofour
        if address in _NAT64:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not _is_public(embedded):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
