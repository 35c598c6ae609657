"""Webhooks end to end: a job created with a `callbackUrl` POSTs its view to a local receiver
when it ends, signed with HMAC-SHA256 over timestamp and body, retried after a 500, every
attempt shown on the job; URLs that may not be called are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from litestar.testing import TestClient

from bulkio.config import Settings
from bulkio.container import build
from bulkio.entrypoints.http import create_app
from bulkio.ports.queue import QueueStats
from bulkio.services.webhooks import WebhookSettings
from tests.e2e.conftest import API_KEY, SEED_CSV, wait_for
from tests.local_http import QuietHandler, serving

SECRET = "whsec-test-0123456789"


class Receiver:
    """A webhook receiver on this machine that answers each POST with the next planned status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses, self.calls = statuses, []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.arrived:
                    status = receiver.statuses[min(len(receiver.calls), len(receiver.statuses) - 1)]
                    receiver.calls.append((dict(self.headers), body, status))
                    receiver.arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.handler = Handler
        self.url = ""

    @contextmanager
    def running(self) -> Iterator[Receiver]:
        """Serve on 127.0.0.1 until the block ends; `url` is where to POST meanwhile."""
        with serving(self.handler) as base:
            self.url = f"{base}/hooks/bulkio"
            yield self

    def wait_for_calls(self, count: int, timeout: float = 20.0) -> list[tuple[dict, bytes, int]]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.calls) >= count, timeout), self.calls
            return list(self.calls)


def verify(secret: str, signature: str, body: bytes, tolerance_s: int = 300) -> bool:
    """What a receiver does (the README's snippet): recompute, compare, check the age."""
    parts = dict(item.split("=", 1) for item in signature.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) <= tolerance_s
    return fresh and hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver([500, 200]).running() as receiver:
        yield receiver


def app_client(tmp_path: Path, **overrides: Any) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", api_keys=(API_KEY,))
    client = TestClient(create_app(build(settings.with_(**overrides))), timeout=30)
    client.headers["X-API-Key"] = API_KEY
    return client


def with_webhooks(loopback: bool = True) -> dict[str, Any]:
    return {"webhooks": WebhookSettings(secret=SECRET, max_attempts=3,
                                        backoff=timedelta(milliseconds=50)),
            "webhook_allow_loopback": loopback}


def test_the_signed_job_view_is_retried_after_a_500_and_each_attempt_shows_on_the_job(
    tmp_path: Path, receiver: Receiver,
) -> None:
    with app_client(tmp_path, **with_webhooks()) as client:
        created = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV)},
                              data={"resourceType": "users", "callbackUrl": receiver.url})
        assert created.status_code == 201, created.text
        job = wait_for(client, created.headers["Location"])
        (first_headers, first_body, _), (headers, body, _) = receiver.wait_for_calls(2)

        def shown() -> dict[str, Any]:
            view = client.get(created.headers["Location"]).json()
            return view if len(view["webhookDeliveries"]) == 2 else {}

        deadline = time.monotonic() + 10
        while not (view := shown()) and time.monotonic() < deadline:
            time.sleep(0.05)

    assert verify(SECRET, headers["Bulkio-Signature"], body)
    assert verify(SECRET, first_headers["Bulkio-Signature"], first_body)
    assert not verify("another-secret", headers["Bulkio-Signature"], body)
    assert not verify(SECRET, headers["Bulkio-Signature"], body.replace(b"completed", b"failed"))
    sent = json.loads(body)
    assert (sent["id"], sent["status"], sent["createdRows"]) == (job["id"], "completed", 3)
    assert (headers["Bulkio-Webhook-Id"], first_headers["Bulkio-Webhook-Attempt"],
            headers["Bulkio-Webhook-Attempt"]) == (job["id"], "1", "2")
    assert headers["Content-Type"] == "application/json"
    assert view["callbackUrl"] == receiver.url
    assert [(d["attempt"], d["statusCode"], d["delivered"]) for d in view["webhookDeliveries"]] \
        == [(1, 500, False), (2, 200, True)]


class HeldQueue:
    """A queue whose jobs wait for ever: they stay pending until cancelled."""

    def enqueue_run(self, job_id: str) -> None:
        pass

    def ping(self) -> None:
        pass

    def beat(self, worker: str) -> None:
        pass

    def stats(self) -> QueueStats:
        return QueueStats()


def test_a_cancelled_export_calls_its_webhook_when_cancelled(
    tmp_path: Path, receiver: Receiver,
) -> None:
    receiver.statuses = [204]
    container = build(Settings(data_dir=tmp_path / "data", api_keys=(API_KEY,))
                      .with_(**with_webhooks()))
    container.queue.override(providers.Object(HeldQueue()))
    with TestClient(create_app(container), timeout=30) as client:
        client.headers["X-API-Key"] = API_KEY
        export = client.post("/v1/exports", json={"resourceType": "users",
                                                  "callbackUrl": receiver.url})
        assert export.status_code == 201, export.text
        cancelled = client.post(f"/v1/exports/{export.json()['id']}/cancel")
        [(headers, body, _)] = receiver.wait_for_calls(1)

    assert cancelled.status_code == 200, cancelled.text
    assert json.loads(body)["status"] == "cancelled"
    assert verify(SECRET, headers["Bulkio-Signature"], body)


def test_a_completed_export_calls_its_webhook_with_the_job(
    tmp_path: Path, receiver: Receiver,
) -> None:
    receiver.statuses = [204]
    with app_client(tmp_path, **with_webhooks()) as client:
        export = client.post("/v1/exports", json={"resourceType": "users", "format": "csv",
                                                  "callbackUrl": receiver.url})
        assert export.status_code == 201, export.text
        job = wait_for(client, export.headers["Location"])
        [(headers, body, _)] = receiver.wait_for_calls(1)

    sent = json.loads(body)
    assert (job["status"], sent["id"], sent["status"]) == ("completed", job["id"], "completed")
    assert sent["exportedRows"] == job["exportedRows"]
    assert verify(SECRET, headers["Bulkio-Signature"], body)


def test_this_machine_is_refused_as_a_callback_when_loopback_is_not_allowed(
    tmp_path: Path, receiver: Receiver,
) -> None:
    with app_client(tmp_path, **with_webhooks(loopback=False)) as client:
        created = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV)},
                              data={"resourceType": "users", "callbackUrl": receiver.url})
        location = created.headers["Location"]
        wait_for(client, location)
        deadline = time.monotonic() + 10
        while not (deliveries := client.get(location).json()["webhookDeliveries"]) \
                and time.monotonic() < deadline:
            time.sleep(0.05)

    assert receiver.calls == []
    [refused] = deliveries  # refused at once: no retry
    assert refused["statusCode"] is None and "not a public address" in refused["error"]
    assert refused["error"].startswith("refusing to call ")


@pytest.mark.parametrize(("overrides", "url", "why"), [
    ({}, "https://hooks.example.com/x", "WEBHOOK_SECRET"),
    ("webhooks", "ftp://hooks.example.com/x", "http or https"),
    ("webhooks", "not a url", "http or https"),
])
def test_a_callback_url_is_refused_when_it_cannot_be_one(
    tmp_path: Path, overrides: Any, url: str, why: str,
) -> None:
    settings = with_webhooks() if overrides == "webhooks" else {}
    with app_client(tmp_path, **settings) as client:
        answer = client.post("/v1/exports", json={"resourceType": "users", "callbackUrl": url})
        form = client.post("/v1/imports", files={"file": ("users.csv", SEED_CSV)},
                           data={"resourceType": "users", "callbackUrl": url})

    for refused in (answer, form):
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "callbackUrl"
        assert why in refused.json()["detail"]
