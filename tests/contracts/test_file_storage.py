"""FileStorage contract: every adapter streams files in and out the same way."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from bulkio.adapters.local_storage import LocalFileStorage
from bulkio.adapters.s3_storage import MIN_PART_SIZE, S3FileStorage
from bulkio.domain.errors import InvalidRequest, NotFound, Unavailable
from bulkio.ports.storage import FileStorage

# Deliberately not a multiple of the part size, so chunks straddle part boundaries.
CHUNK = 300_001
BIG = 12 * 1024 * 1024


def pattern(size: int) -> Iterator[bytes]:
    """`size` bytes in CHUNK-sized pieces, each piece different, so order mistakes show."""
    sent, number = 0, 0
    while sent < size:
        piece = min(CHUNK, size - sent)
        yield (number.to_bytes(4, "big") * (piece // 4 + 1))[:piece]
        sent += piece
        number += 1


def digest(chunks: Iterator[bytes]) -> str:
    return hashlib.sha256(b"".join(chunks)).hexdigest()


def failing(after: int) -> Iterator[bytes]:
    yield from pattern(after)
    raise RuntimeError("upload interrupted")


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    if request.param == "local":
        return LocalFileStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = request.getfixturevalue("s3_bucket")
    return S3FileStorage(bucket, region="us-east-1", endpoint_url=endpoint, part_size=MIN_PART_SIZE)


def test_file_round_trips_when_it_spans_many_parts(storage: FileStorage) -> None:
    size = storage.put("imports/job-1/users.csv", pattern(BIG))

    with storage.open_reader("imports/job-1/users.csv") as reader:
        read = hashlib.sha256()
        while block := reader.read(1024 * 1024):
            read.update(block)

    assert size == BIG
    assert storage.size("imports/job-1/users.csv") == BIG
    assert read.hexdigest() == digest(pattern(BIG))


def test_reader_supports_peek_and_partial_reads_when_file_is_small(storage: FileStorage) -> None:
    storage.put("small.csv", [b"email,name\n", b"ada@example.com,Ada\n"])

    with storage.open_reader("small.csv") as reader:
        assert reader.peek(2)[:2] == b"em"  # type: ignore[attr-defined]
        assert reader.read(5) == b"email"
        assert reader.readline() == b",name\n"
        assert reader.read() == b"ada@example.com,Ada\n"


def test_empty_file_is_stored_when_no_chunks_arrive(storage: FileStorage) -> None:
    assert storage.put("empty.ndjson", []) == 0
    assert storage.size("empty.ndjson") == 0
    with storage.open_reader("empty.ndjson") as reader:
        assert reader.read() == b""


def test_missing_file_is_not_found_when_read_or_measured(storage: FileStorage) -> None:
    with pytest.raises(NotFound):
        storage.open_reader("nothing/here.csv")
    with pytest.raises(NotFound):
        storage.size("nothing/here.csv")


def test_file_is_gone_when_deleted(storage: FileStorage) -> None:
    storage.put("exports/out.csv", [b"id\n1\n"])

    storage.delete("exports/out.csv")
    storage.delete("exports/out.csv")

    with pytest.raises(NotFound):
        storage.size("exports/out.csv")


def test_put_overwrites_when_key_exists(storage: FileStorage) -> None:
    storage.put("report.csv", [b"old content, longer than the new one\n"])
    storage.put("report.csv", [b"new\n"])

    with storage.open_reader("report.csv") as reader:
        assert reader.read() == b"new\n"


def test_no_file_is_left_when_chunks_fail_midway(storage: FileStorage) -> None:
    with pytest.raises(RuntimeError, match="upload interrupted"):
        storage.put("imports/broken.csv", failing(after=MIN_PART_SIZE + CHUNK))

    with pytest.raises(NotFound):
        storage.size("imports/broken.csv")


def test_previous_file_survives_when_overwrite_fails(storage: FileStorage) -> None:
    storage.put("report.csv", [b"kept\n"])

    with pytest.raises(RuntimeError):
        storage.put("report.csv", failing(after=CHUNK))

    with storage.open_reader("report.csv") as reader:
        assert reader.read() == b"kept\n"


def test_download_url_serves_the_file_or_leaves_it_to_the_api(storage: FileStorage) -> None:
    storage.put("exports/users.ndjson", [b'{"email":"ada@example.com"}\n'])

    url = storage.download_url("exports/users.ndjson", expires_in=60)

    if isinstance(storage, LocalFileStorage):
        assert url is None
    else:
        assert url is not None
        assert httpx.get(url).content == b'{"email":"ada@example.com"}\n'


def test_ping_passes_when_storage_answers(storage: FileStorage) -> None:
    storage.ping()


# Adapter-specific guarantees behind the contract.


@pytest.mark.parametrize("key", ["../outside.csv", "/etc/passwd", "a/../../b", "", "."])
def test_local_refuses_key_when_it_escapes_the_root(tmp_path: Path, key: str) -> None:
    storage = LocalFileStorage(tmp_path / "files")

    with pytest.raises(InvalidRequest):
        storage.put(key, [b"x"])


def test_local_leaves_no_temp_file_when_chunks_fail(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "files")

    with pytest.raises(RuntimeError):
        storage.put("imports/broken.csv", failing(after=CHUNK))

    assert [path for path in (tmp_path / "files").rglob("*") if path.is_file()] == []


def test_local_ping_fails_when_root_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")

    with pytest.raises(Unavailable):
        LocalFileStorage(tmp_path / "file" / "files").ping()


def s3_client(endpoint: str):  # noqa: ANN201 - a boto3 client has no importable type
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def test_s3_uploads_in_parts_when_file_exceeds_part_size(s3_endpoint: str, s3_bucket: str) -> None:
    storage = S3FileStorage(s3_bucket, "us-east-1", s3_endpoint, part_size=MIN_PART_SIZE)

    storage.put("big.csv", pattern(BIG))
    storage.put("small.csv", pattern(CHUNK))

    client = s3_client(s3_endpoint)
    assert client.head_object(Bucket=s3_bucket, Key="big.csv")["ETag"].strip('"').endswith("-3")
    assert "-" not in client.head_object(Bucket=s3_bucket, Key="small.csv")["ETag"]


def test_s3_holds_about_two_parts_at_most_while_it_uploads() -> None:
    import tracemalloc

    class Parts:  # a client that only keeps what it is given
        def __init__(self) -> None:
            self.sizes: list[int] = []

        def create_multipart_upload(self, **_: object) -> dict[str, str]:
            return {"UploadId": "u"}

        def upload_part(self, Body: bytes, **_: object) -> dict[str, str]:  # noqa: N803
            self.sizes.append(len(Body))
            return {"ETag": f"e{len(self.sizes)}"}

        def complete_multipart_upload(self, **_: object) -> None:
            return None

    client = Parts()
    storage = S3FileStorage("b", "us-east-1", client=client, part_size=MIN_PART_SIZE)
    tracemalloc.start()
    try:
        piece = 64 * 1024  # parts of whole pieces
        size = storage.put("big.csv", (b"x" * piece for _ in range(3 * MIN_PART_SIZE // piece)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert size == 3 * MIN_PART_SIZE and client.sizes == [MIN_PART_SIZE] * 3
    # The buffer (one part and a chunk) and the part being sent; a third copy would be 3 parts.
    assert peak < 2.2 * MIN_PART_SIZE


def test_s3_aborts_multipart_upload_when_chunks_fail(s3_endpoint: str, s3_bucket: str) -> None:
    storage = S3FileStorage(s3_bucket, "us-east-1", s3_endpoint, part_size=MIN_PART_SIZE)

    with pytest.raises(RuntimeError):
        storage.put("broken.csv", failing(after=MIN_PART_SIZE + CHUNK))

    uploads = s3_client(s3_endpoint).list_multipart_uploads(Bucket=s3_bucket)
    assert uploads.get("Uploads", []) == []


def test_s3_ping_fails_when_bucket_is_missing(s3_endpoint: str) -> None:
    storage = S3FileStorage("no-such-bucket", "us-east-1", s3_endpoint)

    with pytest.raises(Unavailable):
        storage.ping()


def test_s3_aborts_a_multipart_upload_broken_by_an_outage_once_s3_is_back(
    s3_endpoint: str, s3_bucket: str,
) -> None:
    from urllib.parse import urlsplit

    from botocore.config import Config

    from tests.integration.proxy import Outage

    target = urlsplit(s3_endpoint)
    with Outage.of(target.hostname, target.port) as s3:
        # One try per call, short timeouts: the storage's own retries are what is tested.
        client = boto3.client("s3", endpoint_url=s3.url, region_name="us-east-1", config=Config(
            retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=1, read_timeout=2,
            s3={"addressing_style": "path"}))
        storage = S3FileStorage(s3_bucket, client=client, part_size=MIN_PART_SIZE)
        back = threading.Timer(2.0, s3.up)

        def parts_then_outage():
            yield from pattern(MIN_PART_SIZE + CHUNK)  # the first part is uploaded
            s3.down()  # S3 goes away in the middle of the upload
            back.start()
            yield b"x" * MIN_PART_SIZE

        try:
            with pytest.raises(Unavailable):
                storage.put("broken-by-outage.csv", parts_then_outage())
        finally:
            back.cancel()
            s3.up()
    uploads = s3_client(s3_endpoint).list_multipart_uploads(Bucket=s3_bucket)
    assert uploads.get("Uploads", []) == []
@pytest.fixture(params=["local", "s3"])
def unprepared(request: pytest.FixtureRequest, tmp_path: Path) -> FileStorage:
    """A storage whose folder or bucket does not exist yet."""
    if request.param == "local":
        return LocalFileStorage(tmp_path / "not-yet" / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3FileStorage(f"bulkio-new-{uuid.uuid4().hex[:12]}", region="us-east-1",
                         endpoint_url=endpoint, part_size=MIN_PART_SIZE)


def test_prepare_creates_the_bucket_or_folder_when_it_is_missing(unprepared: FileStorage) -> None:
    unprepared.prepare()
    unprepared.prepare()  # idempotent: a second migrate or `storage init` changes nothing
    unprepared.ping()
    assert unprepared.put("exports/x.csv", [b"a,b\n"]) == 4
