"""Headless Chromium (Debian's `chromium`, installed by `.ci/run`) driven by Playwright against a
real `bulkio serve` subprocess. Pages reach nothing but the server: every request to another
host is aborted, and recorded so a test can say none was tried."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, Route, sync_playwright

from tests.integration.cluster import Cluster, Node, free_port

CHROMIUM = "/usr/bin/chromium"
KEY = "dashboard-test-key-0123456789"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


# Per test, not per session: the sync API runs an event loop in this thread while it is open,
# and a test that later starts its own loop (anyio.run) would find it running.
@pytest.fixture
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser(playwright: Playwright) -> Iterator[Browser]:
    """The system's Chromium; Playwright downloads no browser of its own."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield chromium
    chromium.close()


class Offline:
    """A browser context whose requests to any host but this machine are aborted."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.blocked: list[str] = []
        context.route("**/*", self._only_loopback)

    def _only_loopback(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(browser: Browser, tmp_path: Path) -> Iterator[Offline]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    yield Offline(context)
    context.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Node]:
    """`bulkio serve` on the embedded set, with API keys on, in its own data folder."""
    nodes = Cluster({"BULKIO_DATA_DIR": str(tmp_path / "data"), "API_KEY": KEY,
                     "JOB_BATCH_SIZE": "50", "URL_IMPORT_ALLOW_HOSTS": "127.0.0.1"}, tmp_path)
    yield nodes.api("api", free_port())
    nodes.stop_all()
