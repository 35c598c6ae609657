"""The jobs dashboard in headless Chromium against a real `bulkio serve` with API keys on: sign
in, watch an import's progress bar reach 100 %, open its row errors, cancel a running job, retry
it, and keep a screenshot; without a key the dashboard and its data are refused."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import KEY, Offline
from tests.integration.cluster import Node
from tests.integration.files import write_users_csv
from tests.local_http import QuietHandler, serving

ROWS, EVERY_INVALID = 3000, 7
WAIT_MS = 60_000


class HangingSource:
    """A URL import source that answers only once released: its job stays running meanwhile."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.url = ""
        release = self.release

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                release.wait(120)
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.handler = Handler


@pytest.fixture
def hanging() -> Iterator[HangingSource]:
    source = HangingSource()
    with serving(source.handler) as base:
        source.url = f"{base}/users.csv"
        yield source
        source.release.set()


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/admin")
    expect(page).to_have_url(f"{url}/admin/login")
    page.fill("#key", KEY)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Imports")).to_be_visible()


def test_the_dashboard_follows_an_import_shows_its_errors_and_cancels_a_job_when_signed_in(
    offline: Offline, server: Node, hanging: HangingSource, tmp_path: Path,
) -> None:
    api = httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30)
    page = offline.context.new_page()
    sign_in(page, server.url)

    source = write_users_csv(tmp_path / "users.csv", range(ROWS), invalid_every=EVERY_INVALID)
    with source.open("rb") as body:
        imported = api.post("/v1/imports", files={"file": ("users.csv", body)},
                            data={"resourceType": "users"}).json()
    row = page.locator(f"tr[data-job-id='{imported['id']}']")
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100",
                                                             timeout=WAIT_MS)
    expect(row).to_have_attribute("data-status", "completed")
    expect(row.locator(".first-error")).to_contain_text("row 1:")
    row.locator("[data-action=errors]").click()
    errors = page.locator("#errors")
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(20)
    expect(errors).to_contain_text(f"({len(range(0, ROWS, EVERY_INVALID))})")
    expect(errors).to_contain_text("invalid_enum")
    expect(errors).to_contain_text("superhero")

    exported = api.post("/v1/exports", json={"resourceType": "users", "format": "csv"}).json()
    export_row = page.locator(f"tr[data-job-id='{exported['id']}']")
    expect(export_row).to_have_attribute("data-status", "completed", timeout=WAIT_MS)
    download = export_row.get_by_role("link", name="download")
    valid = ROWS - len(range(0, ROWS, EVERY_INVALID))
    assert api.get(download.get_attribute("href")).text.count("\n") == valid + 1  # and a header

    running = api.post("/v1/imports", json={"resourceType": "users", "fileUrl": hanging.url,
                                             "format": "csv"}).json()
    stuck = page.locator(f"tr[data-job-id='{running['id']}']")
    expect(stuck).to_have_attribute("data-status", "processing", timeout=WAIT_MS)
    stuck.locator("[data-action=cancel]").click()
    expect(stuck).to_have_attribute("data-status", "cancelled", timeout=WAIT_MS)
    assert api.get(f"/v1/imports/{running['id']}").json()["status"] == "cancelled"

    stuck.locator("[data-action=retry]").click()
    retried = page.locator("#imports tbody tr").first
    expect(retried).not_to_have_attribute("data-job-id", running["id"], timeout=WAIT_MS)
    again = api.get(f"/v1/imports/{retried.get_attribute('data-job-id')}").json()
    assert again["fileUrl"] == hanging.url
    expect(page.locator("#q-workers li")).to_have_count(1)

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert offline.blocked == []


def test_the_dashboard_and_its_data_are_refused_when_no_key_is_given(server: Node) -> None:
    anonymous = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)

    page = anonymous.get("/admin")
    wrong = anonymous.post("/admin/login", data={"key": "not-the-key"})
    data = anonymous.get("/v1/queue")
    anonymous.cookies.set("bulkio_session", "0" * 64)
    forged = anonymous.get("/v1/imports")
    anonymous.cookies.clear()
    signed = anonymous.post("/admin/login", data={"key": KEY})

    assert (page.status_code, page.headers["location"]) == (303, "/admin/login")
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert "set-cookie" not in wrong.headers
    assert data.status_code == forged.status_code == 401
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert KEY not in cookie
    assert all(part in cookie for part in ("HttpOnly", "Secure", "SameSite=strict"))
