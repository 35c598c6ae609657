"""Fetcher contract: a URL's body arrives as a stream, and anything unreadable is refused.

The HTTP fetcher talks only to a local server on 127.0.0.1, allow-listed by host and port.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bulkio.adapters.http_fetcher import HttpFetcher
from bulkio.adapters.memory_fetcher import InMemoryFetcher
from bulkio.domain.errors import SourceUnreadable
from bulkio.ports.fetcher import Fetcher
from tests.local_http import QuietHandler, serving

BODY = b"email,name\n" + b"".join(b"user%d@example.com,User %d\n" % (n, n) for n in range(20_000))
MAX_BYTES = len(BODY) + 100
OVERSIZED = BODY * 2


def unused_port() -> int:
    """A local port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site(QuietHandler):
    """A small web site with the cases a fetcher meets."""

    # Set per server: where /away redirects to (a port that is not allow-listed).
    elsewhere = ""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        routes = {
            "/users.csv": lambda: self._send(200, BODY),
            "/huge.csv": lambda: self._send(200, OVERSIZED),
            "/huge-undeclared.csv": lambda: self._send(200, OVERSIZED, declare=False),
            "/home": lambda: self._redirect("/users.csv"),
            "/loop": lambda: self._redirect("/loop"),
            "/away": lambda: self._redirect(self.elsewhere),
            "/slow.csv": self._trickle,
            "/host": lambda: self._send(200, self.headers["Host"].encode()),
        }
        routes.get(self.path, lambda: self._send(404, b"not here"))()

    def _send(self, status: int, body: bytes, declare: bool = True) -> None:
        self.send_response(status)
        if declare:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _trickle(self) -> None:
        self.send_response(200)
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"a,b\n")
            self.wfile.flush()
            time.sleep(0.05)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    handler = type("LocalSite", (Site,), {"elsewhere": f"http://127.0.0.1:{unused_port()}/users.csv"})
    with serving(handler) as url:
        yield url


def allowed(site: str) -> frozenset[str]:
    return frozenset({site.removeprefix("http://")})


@pytest.fixture(params=["memory", "http"])
def fetcher(request: pytest.FixtureRequest, site: str) -> Fetcher:
    if request.param == "memory":
        pages = {f"{site}/users.csv": BODY, f"{site}/huge.csv": OVERSIZED}
        return InMemoryFetcher(pages, max_bytes=MAX_BYTES)
    return HttpFetcher(max_bytes=MAX_BYTES, timeout_s=5, allow_hosts=allowed(site))


def test_body_arrives_in_chunks_when_url_answers(fetcher: Fetcher, site: str) -> None:
    chunks = list(fetcher.chunks(f"{site}/users.csv"))

    assert b"".join(chunks) == BODY
    assert len(chunks) > 1


def test_url_is_unreadable_when_it_answers_404(fetcher: Fetcher, site: str) -> None:
    with pytest.raises(SourceUnreadable, match="404"):
        list(fetcher.chunks(f"{site}/missing.csv"))


def test_url_is_unreadable_when_body_exceeds_max_bytes(fetcher: Fetcher, site: str) -> None:
    with pytest.raises(SourceUnreadable, match="larger than"):
        list(fetcher.chunks(f"{site}/huge.csv"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/users.csv", "not a url"])
def test_url_is_unreadable_when_scheme_is_not_http(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(SourceUnreadable):
        list(fetcher.chunks(url))


# HTTP-specific guarantees: what a real network adds to the contract.


def http(site: str, **overrides: object) -> HttpFetcher:
    options: dict = {"max_bytes": MAX_BYTES, "timeout_s": 5, "allow_hosts": allowed(site)} | overrides
    return HttpFetcher(**options)


def test_http_follows_redirect_when_target_is_allowed(site: str) -> None:
    assert b"".join(http(site).chunks(f"{site}/home")) == BODY


def test_http_refuses_redirect_when_target_is_not_allowed(site: str) -> None:
    with pytest.raises(SourceUnreadable, match="not a public address"):
        list(http(site).chunks(f"{site}/away"))


def test_http_gives_up_when_redirects_loop(site: str) -> None:
    with pytest.raises(SourceUnreadable, match="redirected more than 2 times"):
        list(http(site, max_redirects=2).chunks(f"{site}/loop"))


def test_http_refuses_loopback_when_allow_list_is_empty(site: str) -> None:
    with pytest.raises(SourceUnreadable, match="not a public address"):
        list(http(site, allow_hosts=frozenset()).chunks(f"{site}/users.csv"))


def test_http_refuses_localhost_name_when_allow_list_is_empty(site: str) -> None:
    port = site.rsplit(":", 1)[1]
    with pytest.raises(SourceUnreadable, match="not a public address"):
        list(http(site, allow_hosts=frozenset()).chunks(f"http://localhost:{port}/users.csv"))


def test_http_stops_when_undeclared_body_exceeds_max_bytes(site: str) -> None:
    received = 0
    with pytest.raises(SourceUnreadable, match="larger than"):
        for chunk in http(site).chunks(f"{site}/huge-undeclared.csv"):
            received += len(chunk)
    assert received <= MAX_BYTES


def test_http_stops_when_total_time_runs_out(site: str) -> None:
    started = time.monotonic()

    with pytest.raises(SourceUnreadable, match="timed out"):
        list(http(site, timeout_s=0.5).chunks(f"{site}/slow.csv"))

    assert time.monotonic() - started < 1.5


def test_http_is_unreadable_when_nothing_listens(site: str) -> None:
    closed = f"127.0.0.1:{unused_port()}"

    with pytest.raises(SourceUnreadable, match="cannot connect"):
        list(http(site, allow_hosts=frozenset({closed})).chunks(f"http://{closed}/users.csv"))


def test_http_sends_the_url_host_when_connecting_to_the_checked_address(site: str) -> None:
    port = site.rsplit(":", 1)[1]
    fetcher = http(site, allow_hosts=frozenset({f"localhost:{port}"}))

    assert b"".join(fetcher.chunks(f"http://localhost:{port}/host")) == f"localhost:{port}".encode()
