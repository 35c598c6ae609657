"""The address check behind URL imports: only public addresses, unless allow-listed."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from ipaddress import ip_address

import pytest

from bulkio.adapters.http_fetcher import check_address
from bulkio.domain.errors import SourceUnreadable


def resolver(*addresses: str):  # noqa: ANN201 - returns a Resolver
    """A fake DNS that answers every name with `addresses`."""

    def resolve(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolve


def failing_resolver(host: str, port: int) -> Sequence[str]:
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",  # loopback
        "127.1.2.3",
        "10.0.0.8",  # private
        "172.16.5.4",
        "172.31.255.255",
        "192.168.1.10",
        "169.254.169.254",  # cloud metadata (link-local)
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # unspecified
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",  # unique local
        "fec0::1",  # site-local
        "ff02::1",  # multicast
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
    ],
)
def test_address_is_refused_when_not_public(host: str) -> None:
    with pytest.raises(SourceUnreadable, match="not a public address"):
        check_address(host, 80)


@pytest.mark.parametrize("host", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_address_passes_when_public(host: str) -> None:
    assert check_address(host, 443) == [ip_address(host)]


def test_mapped_address_is_judged_as_ipv4_when_public() -> None:
    assert check_address("::ffff:93.184.216.34", 80) == [ip_address("93.184.216.34")]


def test_name_is_refused_when_any_address_is_private() -> None:
    # A name answering one public and one private address must not reach the private one.
    with pytest.raises(SourceUnreadable):
        check_address("files.example.com", 443, resolve=resolver("93.184.216.34", "10.0.0.5"))


def test_name_passes_with_deduplicated_addresses_when_all_are_public() -> None:
    addresses = check_address(
        "files.example.com", 443, resolve=resolver("93.184.216.34", "93.184.216.34", "2606:2800::1")
    )

    assert addresses == [ip_address("93.184.216.34"), ip_address("2606:2800::1")]


def test_name_is_unreadable_when_it_does_not_resolve() -> None:
    with pytest.raises(SourceUnreadable, match="cannot resolve host files.example.com"):
        check_address("files.example.com", 443, resolve=failing_resolver)


def test_localhost_is_refused_when_resolved_by_the_system() -> None:
    with pytest.raises(SourceUnreadable):
        check_address("localhost", 80)


@pytest.mark.parametrize("entry", ["127.0.0.1", "127.0.0.1:8080"])
def test_private_address_passes_when_allow_listed(entry: str) -> None:
    assert check_address("127.0.0.1", 8080, frozenset({entry})) == [ip_address("127.0.0.1")]


def test_allow_listed_host_is_refused_when_port_differs() -> None:
    with pytest.raises(SourceUnreadable):
        check_address("127.0.0.1", 9090, frozenset({"127.0.0.1:8080"}))


def test_allow_listed_name_passes_when_it_resolves_privately() -> None:
    allow = frozenset({"minio.internal:9000"})

    addresses = check_address("MinIO.internal", 9000, allow, resolve=resolver("10.0.0.7"))

    assert addresses == [ip_address("10.0.0.7")]


def test_ipv6_allow_entry_passes_when_written_with_brackets() -> None:
    assert check_address("::1", 8080, frozenset({"[::1]:8080"})) == [ip_address("::1")]
