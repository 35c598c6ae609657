"""The maintenance pass: sweep, expired Idempotency-Keys, expired export files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bulkio.domain.errors import NotFound
from bulkio.domain.jobs import JobStatus
from bulkio.ports.idempotency import Begun

CSV = "email,name,role\na@example.com,A,admin\n"


def test_an_export_file_is_deleted_when_it_expired(world) -> None:
    world.upload("users", CSV)
    job = world.submitter.export("users", "csv").job
    world.run_all()
    done = world.jobs.get(job.id)
    key = done.result_key
    assert key is not None and world.storage.size(key) > 0

    world.clock.advance(hours=23)
    assert world.maintenance.run_once().files_deleted == 0  # kept for EXPORT_TTL_MS (24 h)
    world.clock.advance(hours=2)
    report = world.maintenance.run_once()

    assert report.files_deleted == 1
    with pytest.raises(NotFound):
        world.storage.size(key)
    expired = world.jobs.get(job.id)
    assert (expired.status, expired.result_key) == (JobStatus.COMPLETED, None)
    with pytest.raises(NotFound):
        world.service.open_result(job.id)
    assert world.maintenance.run_once().files_deleted == 0


def test_an_idempotency_key_is_forgotten_when_it_expired(world) -> None:
    world.keys.begin("scope", "key-1", "request-a", world.clock.now(), timedelta(hours=1))
    assert world.maintenance.run_once().keys_purged == 0

    world.clock.advance(hours=2)

    assert world.maintenance.run_once().keys_purged == 1
    outcome = world.keys.begin("scope", "key-1", "request-b", world.clock.now(), timedelta(hours=1))
    assert outcome == Begun()


def test_every_pending_job_is_sent_again_on_the_first_pass_of_an_in_process_queue(world) -> None:
    job = world.submitter.import_upload("users", [CSV.encode()], "users.csv").job
    world.queue.sent.clear()

    assert world.maintenance.run_once().sweep.requeued == 0  # sent recently: not lost
    assert world.maintenance.run_once(first=True).sweep.requeued == 1
    assert world.queue.sent == [job.id]
