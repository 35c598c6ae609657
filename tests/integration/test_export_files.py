"""Stored exports: one dot before the extension, and a download URL valid until `expiresAt`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bulkio.domain.jobs import JobStatus
from tests.production import embedded_bulkio, production_bulkio

USERS = b"email,name,role\nada@example.com,Ada,admin\n"


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "json"])
def test_export_file_has_one_dot_before_its_extension_when_stored(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "users.csv").write_bytes(USERS)
    with embedded_bulkio(tmp_path) as bio:
        bio.wait(bio.import_file(tmp_path / "users.csv", "users").id, timeout=30)
        job = bio.wait(bio.export_job("users", fmt).id, timeout=30)
    assert job.status is JobStatus.COMPLETED
    assert job.result_key == f"exports/{job.id}.{fmt}"


def _seconds_valid(url: str) -> float:
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Expires" in query:  # Signature Version 4: relative to X-Amz-Date
        signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        ends = signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    else:  # Signature Version 2: an absolute epoch
        ends = datetime.fromtimestamp(int(query["Expires"][0]), UTC)
    return (ends - datetime.now(UTC)).total_seconds()


@pytest.mark.services
def test_download_url_lasts_until_expires_at_when_the_export_is_on_s3(
    pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str, tmp_path: Path,
) -> None:
    (tmp_path / "users.csv").write_bytes(USERS)
    with production_bulkio(pg_url, redis_url, s3_endpoint, s3_bucket,
                           EXPORT_TTL_MS=3 * 24 * 3600 * 1000) as bio:
        bio.wait(bio.import_file(tmp_path / "users.csv", "users").id, timeout=60)
        job = bio.wait(bio.export_job("users", "csv").id, timeout=60)
        url = bio.container.job_service().download_url(job)
    assert job.expires_at is not None and url is not None
    lasts = _seconds_valid(url)
    until_expiry = (job.expires_at - datetime.now(UTC)).total_seconds()
    assert abs(lasts - until_expiry) < 120, (lasts, until_expiry)


@pytest.mark.services
def test_the_download_route_redirects_to_s3_without_reading_the_file_when_the_export_is_on_s3(
    pg_url: str, redis_url: str, s3_endpoint: str, s3_bucket: str, tmp_path: Path,
) -> None:
    import httpx
    from litestar.testing import TestClient

    from bulkio.entrypoints.http import create_app

    (tmp_path / "users.csv").write_bytes(USERS)
    with production_bulkio(pg_url, redis_url, s3_endpoint, s3_bucket) as bio:
        bio.wait(bio.import_file(tmp_path / "users.csv", "users").id, timeout=60)
        job = bio.wait(bio.export_job("users", "csv").id, timeout=60)
        storage = bio.container.storage()
        opened: list[str] = []
        real_open = storage.open_reader
        storage.open_reader = lambda key: opened.append(key) or real_open(key)
        with TestClient(create_app(bio.container)) as client:
            answer = client.get(f"/v1/exports/{job.id}/download", follow_redirects=False)
    assert answer.status_code == 307, answer.text
    assert opened == []  # the API never fetched the object it redirects to
    served = httpx.get(answer.headers["location"], timeout=30)
    assert served.status_code == 200 and served.content.startswith(b"id,email,name")
