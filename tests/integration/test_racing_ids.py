"""Two imports that give the same ids to different emails, run at once on two workers:
whichever job stores an id first keeps it, the other job's row holding that id is a row error
(`unique_violation` on `id`), and neither job fails, however their batches interleave (the job
that loses a race between its look-up and its write plans the batch again).

The second file holds the ids in reverse order, so the jobs meet half-way, where each looks up
ids the other is about to write. The counts hold whatever the interleaving; the race itself is
likely, not certain, which the deterministic versions in `tests/contracts/test_import_races.py`
make certain."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import free_port
from tests.integration.cluster import Cluster, eventually
from tests.integration.conftest import Database
from tests.production import QUICK_RESEND, empty_database, forget_namespace, new_bucket, production_env

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROWS = 10_000


def users_file(prefix: str, reverse: bool) -> bytes:
    order = range(ROWS - 1, -1, -1) if reverse else range(ROWS)
    lines = ["email,name,role,active,id"]
    lines += [f"{prefix}{n}@example.com,{prefix} {n},reader,true,{uuid.UUID(int=0x5000 + n)}"
              for n in order]
    return ("\n".join(lines) + "\n").encode()


def test_two_jobs_racing_for_the_same_ids_both_complete_and_each_id_is_stored_once(
        pg_url: str, redis_url: str, s3_endpoint: str, tmp_path) -> None:
    empty_database(pg_url)
    env = production_env(pg_url, redis_url, s3_endpoint, new_bucket(s3_endpoint),
                         JOB_BATCH_SIZE=100, **QUICK_RESEND)
    cluster = Cluster(env, tmp_path)
    database = Database(pg_url)
    try:
        api = cluster.api("api", free_port())
        for name in ("worker-1", "worker-2"):
            cluster.worker(name, threads=2)
        with httpx.Client(timeout=30) as http:
            ids = []
            for prefix in ("a", "b"):
                data = users_file(prefix, reverse=prefix == "b")
                answer = http.post(f"{api.url}/v1/imports", data={"resourceType": "users"},
                                   files={"file": (f"{prefix}.csv", data, "text/csv")})
                assert answer.status_code == 201, answer.text
                ids.append(answer.json()["id"])

            def ended() -> list[dict] | None:
                jobs = [http.get(f"{api.url}/v1/imports/{i}").json() for i in ids]
                return jobs if all(j["status"] in ("completed", "failed") for j in jobs) else None

            jobs = eventually(ended, 120, "both imports to end", interval=0.3)
        first, second = sorted(jobs, key=lambda j: j["startedAt"])
        assert second["startedAt"] < first["completedAt"], "the jobs did not run at once"
        assert [j["status"] for j in jobs] == ["completed"] * 2, [j["failureReason"] for j in jobs]
        assert sum(j["createdRows"] for j in jobs) == ROWS
        assert sum(j["failedRows"] for j in jobs) == ROWS
        assert all(j["processedRows"] == ROWS and j["updatedRows"] == 0 for j in jobs)
        assert database.scalar("SELECT count(*) FROM users") == ROWS
        assert database.scalar("SELECT count(DISTINCT id) FROM users") == ROWS
        assert database.rows(
            "SELECT DISTINCT field, code FROM job_errors") == [("id", "unique_violation")]
        assert database.scalar("SELECT count(*) FROM job_errors") == ROWS
    finally:
        cluster.stop_all()
        database.engine.dispose()
        forget_namespace(redis_url, env["BULKIO_REDIS_NAMESPACE"])
