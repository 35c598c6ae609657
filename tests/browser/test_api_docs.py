"""Swagger UI works with no network route out: its assets come from the server itself."""

from __future__ import annotations

from tests.browser.conftest import Offline
from tests.integration.cluster import Node

REDOC_FOOTER_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_swagger_ui_shows_its_authorize_button_when_no_route_leads_out(
    offline: Offline, server: Node,
) -> None:
    page = offline.context.new_page()
    page.goto(f"{server.url}/api/docs")

    authorize = page.get_by_role("button", name="Authorize")
    authorize.first.wait_for(state="visible", timeout=30_000)
    authorize.first.click()
    page.get_by_text("X-API-Key").first.wait_for(state="visible", timeout=10_000)

    assert page.locator(".opblock").count() > 10  # the operations rendered from the document
    assert offline.blocked == []


def test_redoc_renders_the_operations_when_no_route_leads_out(
    offline: Offline, server: Node,
) -> None:
    page = offline.context.new_page()
    page.goto(f"{server.url}/api/redoc")

    page.get_by_text("Create an import job").first.wait_for(state="visible", timeout=30_000)
    # ReDoc's bundle links its own footer logo to Redocly's CDN; offline, the image hides itself.
    assert set(offline.blocked) <= {REDOC_FOOTER_LOGO}
