"""The knobs the use cases read (the container fills them from the environment)."""

from __future__ import annotations

from datetime import timedelta

from attrs import frozen

from bulkio.formats.limits import DEFAULT_LIMITS, ReadLimits


@frozen
class JobSettings:
    batch_size: int = 1000
    # An import whose file is larger than this is split into chunk jobs of about this size,
    # run by any workers at once (`bulkio.services.chunking`); 0 never splits.
    chunk_bytes: int = 0
    max_attempts: int = 5
    stale_after: timedelta = timedelta(minutes=10)  # no heartbeat for this long: worker is gone
    requeue_after: timedelta = timedelta(minutes=30)  # pending this long: its message was lost
    restart_stale: bool = True  # recover stale jobs (resume) rather than fail them
    export_ttl: timedelta = timedelta(hours=24)
    max_upload_bytes: int = 2 * 1024**3
    heartbeat_every_rows: int = 10_000
    # A dependency away for longer than this (counted from the first failure, across retries)
    # fails the job; shorter outages are waited out with backoff, the job still claimed.
    outage_deadline: timedelta = timedelta(minutes=30)
    outage_first_pause_s: float = 0.5  # the first pause of that backoff; it doubles each time
    worker_id: str = "worker"
    limits: ReadLimits = DEFAULT_LIMITS  # what one input may hold (README: Files, limits)
