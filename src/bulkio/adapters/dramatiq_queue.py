"""A job queue on Dramatiq: messages carry only a job id, sent to an actor by name."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.errors import DramatiqError
from dramatiq.middleware import Middleware

from bulkio.domain.errors import Unavailable
from bulkio.ports.queue import QUEUE_NAME, RUN_JOB, QueueStats, WorkerSeen

_BrokerErrors = (DramatiqError, redis.RedisError, OSError)
WORKERS_SHOWN_FOR = timedelta(hours=1)  # a worker silent for longer is left out of `stats`


class DramatiqJobQueue:
    """Enqueues `actor_name(job_id)` on `queue_name` without importing the actor's module."""

    def __init__(
        self, broker: dramatiq.Broker, queue_name: str = QUEUE_NAME, actor_name: str = RUN_JOB
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

    def _key(self, suffix: str) -> str:
        namespace = getattr(self._broker, "namespace", "dramatiq")
        return f"{namespace}:{suffix}"

    def _client(self) -> redis.Redis:
        client = getattr(self._broker, "client", None)
        if client is None:
            raise Unavailable("this broker has no Redis to read its queue from")
        return client

    def beat(self, worker: str) -> None:
        """Record the worker's heartbeat in a sorted set beside the broker's keys, and drop the
        beats too old to be shown (workers gone for good), so the set does not grow."""
        now_ms, key = int(time.time() * 1000), self._key("bulkio-workers")
        try:
            with self._client().pipeline(transaction=False) as pipe:
                pipe.zadd(key, {worker: now_ms})
                pipe.zremrangebyscore(key, "-inf", now_ms - WORKERS_SHOWN_FOR.total_seconds() * 1000)
                pipe.execute()
        except _BrokerErrors as err:
            raise Unavailable(f"cannot record the heartbeat of {worker}: {err}") from err

    def stats(self) -> QueueStats:
        """Depths from Dramatiq's Redis keys (`<ns>:<queue>` list, `.DQ.msgs` and `.XQ.msgs`
        hashes, as laid out by its dispatch script) and the workers' recent heartbeats."""
        client, queue = self._client(), self._queue_name
        since = int((time.time() - WORKERS_SHOWN_FOR.total_seconds()) * 1000)
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.llen(self._key(queue))
                pipe.hlen(self._key(f"{queue}.DQ.msgs"))
                pipe.hlen(self._key(f"{queue}.XQ.msgs"))
                pipe.zrangebyscore(self._key("bulkio-workers"), since, "+inf", withscores=True)
                ready, delayed, dead, beats = pipe.execute()
        except _BrokerErrors as err:
            raise Unavailable(f"cannot read the queue: {err}") from err
        workers = tuple(
            WorkerSeen(name.decode(), datetime.fromtimestamp(score / 1000, UTC))
            for name, score in sorted(beats, key=lambda pair: -pair[1])
        )
        return QueueStats(ready=ready, delayed=delayed, dead=dead, workers=workers)

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
