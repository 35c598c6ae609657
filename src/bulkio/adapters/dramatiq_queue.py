"""A job queue on Dramatiq: messages carry only a job id, sent to an actor by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import DramatiqError
from dramatiq.middleware import Middleware

from bulkio.domain.errors import Unavailable

_BrokerErrors = (DramatiqError, redis.RedisError, OSError)


class DramatiqJobQueue:
    """Enqueues `actor_name(job_id)` on `queue_name` without importing the actor's module."""

    def __init__(
        self, broker: dramatiq.Broker, queue_name: str = "bulkio", actor_name: str = "run_job"
    ) -> None:
        self._broker = broker
        self._queue_name = queue_name
        self._actor_name = actor_name

    def enqueue_run(self, job_id: str) -> None:
        """Ask some worker to run this job."""
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=self._queue_name,
            actor_name=self._actor_name,
            args=(job_id,),
            kwargs={},
            options={},
        )
        try:
            self._broker.enqueue(message)
        except _BrokerErrors as err:
            raise Unavailable(f"cannot enqueue job {job_id}: {err}") from err

    def ping(self) -> None:
        """Raise `Unavailable` unless the broker's Redis answers (brokers without one pass)."""
        client = getattr(self._broker, "client", None)
        if client is None:
            return
        try:
            client.ping()
        except _BrokerErrors as err:
            raise Unavailable(f"the queue's broker does not answer: {err}") from err


def redis_broker(
    url: str,
    *,
    namespace: str = "dramatiq",
    middleware: Sequence[Middleware] | None = None,
    **options: Any,
) -> RedisBroker:
    """A Dramatiq broker on the Redis at `url`; `options` go to `RedisBroker` as they are."""
    return RedisBroker(
        url=url,
        namespace=namespace,
        middleware=list(middleware) if middleware is not None else None,
        **options,
    )
