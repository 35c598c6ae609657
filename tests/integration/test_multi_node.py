"""Two API processes and two worker processes on one database, one Redis and one S3 endpoint:
thirty imports with overlapping emails, each run by exactly one worker, every count exact.

The cluster runs once for the module; each test checks one property of what it left behind.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from attrs import frozen

from tests.conftest import free_port
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.integration.files import ROLES
from tests.production import QUICK_RESEND, empty_database, forget_namespace, new_bucket, production_env

pytestmark = [pytest.mark.services, pytest.mark.slow]

JOBS = 30
WINDOW, STEP = 40, 20  # job i holds users i*STEP .. i*STEP+WINDOW-1: each overlaps its neighbours
INVALID_PER_FILE = 2
DISTINCT = (JOBS - 1) * STEP + WINDOW
WORKERS = ("worker-1", "worker-2")


def users_file(job: int) -> bytes:
    """Valid rows (names differ per job, so an overlapping row updates) and two invalid ones."""
    lines = ["email,name,role,active"]
    for n in range(job * STEP, job * STEP + WINDOW):
        lines.append(f"User.{n}@Example.com,User {n} from file {job},{ROLES[n % 5]},true")
    lines += [f"not-an-email-{job},Nobody,reader,true", f"bad{job}@example.com,Bad,pilot,true"]
    return ("\n".join(lines) + "\n").encode()


@frozen
class Outcome:
    jobs: list[dict[str, Any]]  # as the APIs show them, in submission order
    worker_logs: dict[str, str]
    users: int
    duplicate_emails: list[Any]
    job_errors: int


@pytest.fixture(scope="module")
def outcome(pg_url: str, redis_url: str, s3_endpoint: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    bucket = new_bucket(s3_endpoint)
    empty_database(pg_url)
    env = production_env(pg_url, redis_url, s3_endpoint, bucket, **QUICK_RESEND)
    cluster = Cluster(env, tmp_path_factory.mktemp("multi-node"))
    database = Database(pg_url)
    try:
        yield run(cluster, database)
    finally:
        cluster.stop_all()
        database.engine.dispose()
        forget_namespace(redis_url, env["BULKIO_REDIS_NAMESPACE"])


def run(cluster: Cluster, database: Database) -> Outcome:
    apis = [cluster.api(f"api-{i}", free_port()) for i in (1, 2)]
    workers = [cluster.worker(name) for name in WORKERS]
    submitted: list[tuple[str, str]] = []
    with httpx.Client(timeout=30) as http:
        for job in range(JOBS):
            api = apis[job % 2]
            answer = http.post(f"{api.url}/v1/imports", data={"resourceType": "users"},
                               files={"file": (f"users-{job}.csv", users_file(job), "text/csv")})
            assert answer.status_code == 201, answer.text
            submitted.append((answer.json()["id"], api.url))

        def all_ended() -> list[dict[str, Any]] | None:
            jobs = [http.get(f"{url}/v1/imports/{job_id}").json() for job_id, url in submitted]
            return jobs if all(j["status"] in ("completed", "failed") for j in jobs) else None

        ended = eventually(all_ended, 120, "all thirty jobs to end", interval=0.5)
    return Outcome(
        jobs=ended,
        worker_logs={w.name: w.log() for w in workers},
        users=database.scalar("SELECT count(*) FROM users"),
        duplicate_emails=database.rows(
            "SELECT email FROM users GROUP BY email HAVING count(*) > 1"),
        job_errors=database.scalar("SELECT count(*) FROM job_errors"),
    )


def test_each_job_is_taken_by_exactly_one_worker_when_two_workers_consume(outcome: Outcome) -> None:
    taken: Counter[str] = Counter()
    takers: set[str] = set()
    for name, log in outcome.worker_logs.items():
        for job_id in re.findall(r"job (\S+): attempt \d+ \(run \d+[^)]*\) taken by ", log):
            taken[job_id] += 1
            takers.add(name)

    assert taken == Counter({job["id"]: 1 for job in outcome.jobs})
    assert [job["attempts"] for job in outcome.jobs] == [1] * JOBS
    assert takers == set(WORKERS)  # the load was shared


def test_every_job_counts_its_own_rows_exactly_when_jobs_run_concurrently(outcome: Outcome) -> None:
    assert [j["status"] for j in outcome.jobs] == ["completed"] * JOBS, \
        [j["failureReason"] for j in outcome.jobs]
    for job in outcome.jobs:
        assert (job["totalRows"], job["processedRows"]) == (WINDOW + INVALID_PER_FILE,) * 2
        assert (job["failedRows"], job["skippedRows"], job["errorCount"]) == \
            (INVALID_PER_FILE, 0, INVALID_PER_FILE)
        assert job["successfulRows"] == job["createdRows"] + job["updatedRows"] == WINDOW
    assert outcome.job_errors == JOBS * INVALID_PER_FILE


def test_users_hold_each_email_once_when_overlapping_files_are_imported_at_once(
    outcome: Outcome,
) -> None:
    assert outcome.duplicate_emails == []
    assert outcome.users == DISTINCT


def test_each_email_counts_as_created_once_when_overlapping_jobs_run_concurrently(
    outcome: Outcome,
) -> None:
    # The first job to write an email creates it; the other job holding it updates it.
    assert sum(j["createdRows"] for j in outcome.jobs) == DISTINCT
    assert sum(j["updatedRows"] for j in outcome.jobs) == JOBS * WINDOW - DISTINCT
