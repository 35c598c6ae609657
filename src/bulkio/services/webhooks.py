"""Webhooks: when a job with a `callback_url` ends, POST its JSON view, signed, retried with
backoff, each attempt recorded on the job (see `bulkio.domain.webhooks` for the headers)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from attrs import frozen

from bulkio.domain.errors import InvalidRequest, Unavailable, WebhookRefused
from bulkio.domain.jobs import Job
from bulkio.domain.webhooks import ATTEMPT_HEADER, ID_HEADER, SIGNATURE_HEADER, Delivery, sign
from bulkio.ports.clock import Clock
from bulkio.ports.jobs import JobRepository
from bulkio.ports.metrics import JobMetrics
from bulkio.ports.webhooks import WebhookSender
from bulkio.services.observing import NO_METRICS

log = logging.getLogger("bulkio.webhooks")


@frozen
class WebhookSettings:
    secret: str | None = None  # WEBHOOK_SECRET; without it, no job may name a callback URL
    max_attempts: int = 5
    backoff: timedelta = timedelta(seconds=2)  # before the 2nd attempt; doubles each time


class WebhookNotifier:
    """Delivers job-end webhooks in background threads; `deliver` does one job's synchronously."""

    def __init__(self, jobs: JobRepository, sender: WebhookSender, clock: Clock,
                 view: Callable[[Job], Mapping[str, Any]], settings: WebhookSettings,
                 metrics: JobMetrics = NO_METRICS) -> None:
        self._jobs, self._sender, self._clock = jobs, sender, clock
        self._view, self._settings, self._metrics = view, settings, metrics
        self._stopping = threading.Event()
        self._threads: set[threading.Thread] = set()
        self._guard = threading.Lock()

    def check(self, url: str | None) -> str | None:
        """The callback URL a new job may carry (`InvalidRequest` when it cannot be one)."""
        if url is None or url == "":
            return None
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
                or not urlsplit(url).hostname:
            raise InvalidRequest(f"callbackUrl must be an http or https URL, got {url!r}",
                                 field="callbackUrl")
        if not self._settings.secret:
            raise InvalidRequest("callbackUrl needs WEBHOOK_SECRET to be set on the server, "
                                 "so that deliveries can be signed", field="callbackUrl")
        return url

    def notify(self, job: Job) -> None:
        """Start delivering the ended job's webhook, if it has one, without waiting for it."""
        if job.callback_url and self._settings.secret and not self._stopping.is_set():
            thread = threading.Thread(target=self._deliver_in_background, args=(job,),
                                      daemon=True, name=f"bulkio-webhook-{job.id[:8]}")
            with self._guard:
                self._threads.add(thread)
            thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Give up the retries still waiting (their last attempt stays recorded) and wait up
        to `timeout_s` for attempts in flight."""
        self._stopping.set()
        with self._guard:
            running = list(self._threads)
        for thread in running:
            thread.join(timeout_s)

    def _deliver_in_background(self, job: Job) -> None:
        try:
            self.deliver(job)
        except Exception:  # a thread of its own: log it rather than lose it
            log.exception("webhook of job %s failed", job.id, extra={"job_id": job.id})
        finally:
            with self._guard:
                self._threads.discard(threading.current_thread())

    def deliver(self, job: Job) -> bool:
        """Attempt the delivery until the receiver answers 2xx, the URL is refused, or the
        attempts run out; True when delivered. The body is the job read whole: whoever ended
        it may have read it for its state only."""
        assert job.callback_url is not None and self._settings.secret
        body = json.dumps(self._view(self._jobs.get(job.id)), separators=(",", ":")).encode()
        for attempt in range(1, self._settings.max_attempts + 1):
            now = self._clock.now()
            headers = {"Content-Type": "application/json", ID_HEADER: job.id,
                       ATTEMPT_HEADER: str(attempt), "User-Agent": "bulkio-webhooks",
                       SIGNATURE_HEADER: sign(self._settings.secret, int(now.timestamp()), body)}
            status, error, final = None, None, attempt == self._settings.max_attempts
            try:
                status = self._sender.post(job.callback_url, body, headers)
            except WebhookRefused as err:
                error, final = str(err), True
            except Unavailable as err:
                error = str(err)
            delivery = Delivery(job.id, attempt, now, status, error)
            self._jobs.add_delivery(delivery)
            outcome = "delivered" if delivery.delivered else "failed" if final else "retrying"
            self._metrics.webhook_delivery(outcome)
            log.log(logging.WARNING if outcome == "failed" else logging.INFO,
                    "webhook of job %s: attempt %d %s", job.id, attempt, outcome,
                    extra={"job_id": job.id, "attempt": attempt, "outcome": outcome,
                           "status_code": status, "error": error})
            if delivery.delivered:
                return True
            if final or self._stopping.wait(self._backoff(attempt)):
                return False  # out of attempts, refused, or this process is stopping
        return False

    def _backoff(self, attempt: int) -> float:
        return self._settings.backoff.total_seconds() * 2 ** (attempt - 1)
