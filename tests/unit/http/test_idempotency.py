"""Idempotent job creation: fingerprints, and create-once over the in-memory store."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import stamina

from bulkio.adapters.clock import FixedClock
from bulkio.adapters.memory_idempotency import InMemoryIdempotencyStore
from bulkio.adapters.memory_records import InMemoryJobRepository
from bulkio.domain.errors import IdempotencyKeyInFlight, IdempotencyKeyReused, Unavailable
from bulkio.domain.jobs import Job, JobKind
from bulkio.services.idempotency import Claim, ContentHash, IdempotentRequests, fingerprint


@pytest.fixture
def jobs() -> InMemoryJobRepository:
    return InMemoryJobRepository()


@pytest.fixture
def requests(jobs: InMemoryJobRepository) -> IdempotentRequests:
    return IdempotentRequests(InMemoryIdempotencyStore(), jobs, FixedClock(), timedelta(hours=24))


def creator(jobs: InMemoryJobRepository, made: list[str]):  # noqa: ANN201 - test factory
    def create() -> Job:
        clock = FixedClock()
        job = Job(id=f"00000000-0000-4000-8000-00000000000{len(made) + 1}", kind=JobKind.EXPORT,
                  resource="users", format="csv", created_at=clock.now(), updated_at=clock.now())
        jobs.add(job)
        made.append(job.id)
        return job
    return create


def test_fingerprint_depends_on_every_part_of_the_request() -> None:
    base = fingerprint("import", {"resourceType": "users"}, "abc")

    assert base == fingerprint("import", {"resourceType": "users"}, "abc")
    assert base != fingerprint("export", {"resourceType": "users"}, "abc")
    assert base != fingerprint("import", {"resourceType": "articles"}, "abc")
    assert base != fingerprint("import", {"resourceType": "users"}, "abd")


def test_content_hash_is_computed_as_chunks_pass() -> None:
    content = ContentHash()

    assert b"".join(content.through([b"email,", b"name\n"])) == b"email,name\n"
    assert content.hexdigest() == hashlib.sha256(b"email,name\n").hexdigest()


def test_job_is_created_once_and_replayed_after(requests: IdempotentRequests,
                                                jobs: InMemoryJobRepository) -> None:
    made: list[str] = []
    claim = Claim("anonymous", "key-1", "fp-1")

    first = requests.submit(claim, creator(jobs, made))
    second = requests.submit(claim, creator(jobs, made))

    assert not first.replayed and second.replayed
    assert second.job.id == first.job.id and made == [first.job.id]


def test_different_request_with_the_same_key_is_refused_and_discards(
        requests: IdempotentRequests, jobs: InMemoryJobRepository) -> None:
    made: list[str] = []
    discarded: list[bool] = []
    requests.submit(Claim("anonymous", "key-1", "fp-1"), creator(jobs, made))

    with pytest.raises(IdempotencyKeyReused):
        requests.submit(Claim("anonymous", "key-1", "fp-2"), creator(jobs, made),
                        lambda: discarded.append(True))
    assert discarded == [True] and len(made) == 1


def test_key_is_released_when_creation_fails(requests: IdempotentRequests,
                                             jobs: InMemoryJobRepository) -> None:
    def failing() -> Job:
        raise RuntimeError("storage down")

    with pytest.raises(RuntimeError):
        requests.submit(Claim("anonymous", "key-1", "fp-1"), failing)
    made: list[str] = []
    assert not requests.submit(Claim("anonymous", "key-1", "fp-1"), creator(jobs, made)).replayed


def test_second_request_is_refused_while_the_first_is_being_created(
        requests: IdempotentRequests, jobs: InMemoryJobRepository) -> None:
    claim = Claim("anonymous", "key-1", "fp-1")
    made: list[str] = []

    def nested() -> Job:
        with pytest.raises(IdempotencyKeyInFlight):
            requests.submit(claim, creator(jobs, made))
        return creator(jobs, made)()

    assert not requests.submit(claim, nested).replayed
    assert len(made) == 1


def test_no_key_means_no_memory(requests: IdempotentRequests, jobs: InMemoryJobRepository) -> None:
    made: list[str] = []
    requests.submit(None, creator(jobs, made))
    requests.submit(None, creator(jobs, made))

    assert len(made) == 2


class FlakyStore(InMemoryIdempotencyStore):
    """Fails to record the created job `failures` times before it succeeds."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures, self.tries = failures, 0

    def complete(self, scope: str, key: str, job_id: str) -> None:
        self.tries += 1
        if self.tries <= self.failures:
            raise Unavailable("the database blinked")
        super().complete(scope, key, job_id)


@pytest.mark.parametrize(("failures", "replayed"), [(2, True), (5, False)])
def test_the_created_job_is_answered_when_recording_its_key_fails(
        jobs: InMemoryJobRepository, failures: int, replayed: bool) -> None:
    store, made = FlakyStore(failures), []
    requests = IdempotentRequests(store, jobs, FixedClock(), timedelta(hours=24))
    claim = Claim("anonymous", "key-1", "fp-1")

    with stamina.set_testing(True, attempts=1000, cap=True):  # no waits, the bound kept
        first = requests.submit(claim, creator(jobs, made))

    assert first.job.id == made[0] and store.tries == min(failures + 1, 3)
    try:
        again = requests.submit(claim, creator(jobs, made))
    except IdempotencyKeyInFlight:  # unrecorded: the claim frees itself after its timeout
        again = None
    assert (again is not None and again.replayed) is replayed
