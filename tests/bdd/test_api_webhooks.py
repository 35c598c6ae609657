"""Acceptance: webhooks (features/webhooks), on both adapter sets, with a receiver on this
machine (loopback callbacks allowed by the test-only setting)."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from pytest_bdd import given, parsers, scenarios, then, when

from bulkio.config import Settings
from bulkio.services.webhooks import WebhookSettings
from tests.bdd import test_api_steps
from tests.bdd.test_api_steps import SAMPLE_CSV, Api, _start
from tests.e2e.test_webhooks import Receiver, verify

# The steps and fixtures of features/api (the service, the workers, the job), not its tests.
globals().update({name: value for name, value in vars(test_api_steps).items()
                  if name.startswith("pytestbdd_")
                  or name in ("adapter_set", "migrated_pg", "base_settings", "stack")})

scenarios("webhooks")


@given(parsers.parse('the service is running with the API key "{key}" and the webhook secret '
                     '"{secret}"'), target_fixture="api")
def _(key: str, secret: str, base_settings: Settings, stack: ExitStack, tmp_path: Path) -> Api:
    hooks = WebhookSettings(secret=secret, max_attempts=3, backoff=timedelta(milliseconds=50))
    return _start(base_settings.with_(webhooks=hooks, webhook_allow_loopback=True), (key,), stack,
                  tmp_path)


@given("a receiver that fails once and then accepts", target_fixture="receiver")
def _(stack: ExitStack) -> Receiver:
    return stack.enter_context(Receiver([500, 200]).running())


@when("the client uploads the sample users with the receiver as callback URL")
def _(api: Api, receiver: Receiver) -> None:
    assert api.upload(SAMPLE_CSV, callbackUrl=receiver.url).status_code == 201


@when("the client asks for an export of users with the receiver as callback URL")
def _(api: Api, receiver: Receiver) -> None:
    answer = api.send("POST", "/v1/exports", json={"resourceType": "users",
                                                   "callbackUrl": receiver.url})
    assert answer.status_code == 201, answer.text


@when("the client cancels the export job")
def _(api: Api) -> None:
    assert api.send("POST", f"/v1/exports/{api.job['id']}/cancel").status_code == 200


@then(parsers.parse('the receiver gets the "{status}" {kind} job signed with "{secret}" on '
                    'attempt {attempt:d}'))
def _(receiver: Receiver, api: Api, status: str, kind: str, secret: str, attempt: int) -> None:
    headers, body, _ = receiver.wait_for_calls(attempt)[attempt - 1]
    sent = json.loads(body)
    assert (sent["id"], sent["kind"], sent["status"]) == (api.job["id"], kind, status)
    assert headers["Bulkio-Webhook-Attempt"] == str(attempt)
    assert verify(secret, headers["Bulkio-Signature"], body)


@then(parsers.parse("the import job shows {count:d} delivery attempts, the last one delivered"))
def _(api: Api, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(api.wait()["webhookDeliveries"]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    attempts = api.job["webhookDeliveries"]
    assert [a["attempt"] for a in attempts] == list(range(1, count + 1))
    assert attempts[-1]["delivered"] and not any(a["delivered"] for a in attempts[:-1])
