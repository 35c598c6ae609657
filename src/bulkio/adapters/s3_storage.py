"""Files in an S3 bucket (AWS, MinIO, LocalStack), streamed both ways."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from typing import Any, BinaryIO

import boto3
import stamina
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bulkio.domain.errors import NotFound, Unavailable

MIB = 1024 * 1024
# S3 refuses parts below 5 MiB (except the last one).
MIN_PART_SIZE = 5 * MIB
_MISSING = {"NoSuchKey", "404", "NotFound"}
_S3Errors = (BotoCoreError, ClientError)
ABORT_ATTEMPTS, ABORT_TIMEOUT_S = 6, 20.0
# One retry of a failed request (botocore's standard mode: connection errors, timeouts,
# throttling, 5xx); a longer outage is the runner's to wait out, with the job showing it.
REQUEST_ATTEMPTS = 2
log = logging.getLogger(__name__)


class S3FileStorage:
    """Streamed multipart uploads, streamed reads, presigned download URLs."""

    def __init__(
        self,
        bucket: str,
        region: str | None = None,
        endpoint_url: str | None = None,
        client: Any = None,
        part_size: int = 8 * MIB,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 30.0,
    ) -> None:
        """Credentials left None come from boto3's own chain (environment, profile, role).

        A request whose connection is not made within `connect_timeout_s`, or whose answer
        stops for `read_timeout_s` (a hung server), is tried once more and then is
        `Unavailable`: at most `REQUEST_ATTEMPTS` times the two timeouts."""
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes")
        self._bucket = bucket
        self._part_size = part_size
        self._client = client or boto3.client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                # Custom endpoints (MinIO, LocalStack) rarely serve bucket subdomains.
                s3={"addressing_style": "path"} if endpoint_url else {},
                connect_timeout=connect_timeout_s, read_timeout=read_timeout_s,
                retries={"mode": "standard", "total_max_attempts": REQUEST_ATTEMPTS},
            ),
        )

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        """Write the file from a stream of chunks, about one part in memory; returns its size."""
        buffer = bytearray()
        size = 0
        upload: _Upload | None = None
        try:
            for chunk in chunks:
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= self._part_size:
                    upload = upload or _Upload.start(self._client, self._bucket, key)
                    upload.add(_head(buffer, self._part_size))
                    del buffer[: self._part_size]
            if upload is None:
                self._client.put_object(Bucket=self._bucket, Key=key, Body=bytes(buffer))
            else:
                if buffer:
                    upload.add(bytes(buffer))
                upload.complete()
        except BaseException as err:
            if upload is not None:
                upload.abort()
            if isinstance(err, _S3Errors):
                raise Unavailable(f"cannot upload {key!r} to S3: {_reason(err)}") from err
            raise
        return size

    def open_reader(self, key: str) -> BinaryIO:
        """A buffered binary stream over the object's body (`NotFound` if there is none)."""
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
        except _S3Errors as err:
            raise _translate(err, key) from err
        return io.BufferedReader(_BodyStream(body), buffer_size=256 * 1024)

    def size(self, key: str) -> int:
        """Size in bytes (`NotFound` if there is none)."""
        try:
            return int(self._client.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
        except _S3Errors as err:
            raise _translate(err, key) from err

    def download_url(self, key: str, expires_in: int) -> str | None:
        """A presigned GET URL valid for `expires_in` seconds."""
        try:
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=expires_in
            )
        except _S3Errors as err:
            raise Unavailable(f"cannot sign a URL for {key!r}: {_reason(err)}") from err

    def delete(self, key: str) -> None:
        """Remove the object; S3 treats a missing key as already deleted."""
        try:
            self._client.delete_object(Bucket=self._bucket, Key=key)
        except _S3Errors as err:
            raise Unavailable(f"cannot delete {key!r}: {_reason(err)}") from err

    def ping(self) -> None:
        """Raise `Unavailable` unless the bucket answers."""
        try:
            self._client.head_bucket(Bucket=self._bucket)
        except _S3Errors as err:
            raise Unavailable(f"S3 bucket {self._bucket!r} does not answer: {_reason(err)}") from err


    def prepare(self) -> None:
        """Create the bucket in the client's region unless it exists (and is ours)."""
        try:
            self._client.head_bucket(Bucket=self._bucket)
            return
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") not in _MISSING | {"NoSuchBucket"}:
                raise Unavailable(f"S3 bucket {self._bucket!r}: {_reason(err)}") from err
        except BotoCoreError as err:
            raise Unavailable(f"S3 does not answer: {_reason(err)}") from err
        region = self._client.meta.region_name
        where = {} if region in (None, "us-east-1") else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            self._client.create_bucket(Bucket=self._bucket, **where)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise Unavailable(f"cannot create S3 bucket {self._bucket!r}: {_reason(err)}") from err
        except BotoCoreError as err:
            raise Unavailable(f"cannot create S3 bucket {self._bucket!r}: {_reason(err)}") from err


def _head(buffer: bytearray, size: int) -> bytes:
    """The first `size` bytes of `buffer`, copied once (a slice of a bytearray would copy them
    twice: one part more in memory at the peak of every upload)."""
    with memoryview(buffer) as view:
        return bytes(view[:size])


class _Upload:
    """One multipart upload in flight."""

    def __init__(self, client: Any, bucket: str, key: str, upload_id: str) -> None:
        self._client, self._bucket, self._key, self._id = client, bucket, key, upload_id
        self._parts: list[dict[str, Any]] = []

    @classmethod
    def start(cls, client: Any, bucket: str, key: str) -> _Upload:
        upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        return cls(client, bucket, key, upload_id)

    def add(self, data: bytes) -> None:
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._id, PartNumber=number, Body=data
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        self._client.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        """Abort the upload, retrying for a while: an upload broken by an outage would otherwise
        keep its parts (billed) until the bucket's lifecycle rule removes them. Never raises:
        the error that broke the upload matters more."""
        try:
            for attempt in stamina.retry_context(
                on=_S3Errors, attempts=ABORT_ATTEMPTS, timeout=ABORT_TIMEOUT_S,
                wait_initial=0.5, wait_max=4.0,
            ):
                with attempt:
                    self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key,
                                                        UploadId=self._id)
        except _S3Errors as err:
            log.warning("multipart upload %s of %r could not be aborted (%s); the bucket's "
                        "lifecycle rule (AbortIncompleteMultipartUpload) removes it",
                        self._id, self._key, _reason(err))


class _BodyStream(io.RawIOBase):
    """A botocore streaming body as a raw stream, so `io.BufferedReader` can offer peek."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(len(view))
        except _S3Errors as err:
            raise Unavailable(f"reading from S3 failed: {_reason(err)}") from err
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def _translate(err: Exception, key: str) -> Exception:
    if isinstance(err, ClientError) and err.response.get("Error", {}).get("Code") in _MISSING:
        return NotFound(f"no file {key!r}")
    return Unavailable(f"cannot read {key!r} from S3: {_reason(err)}")


def _reason(err: Exception) -> str:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        return f"{error.get('Code', '?')} {error.get('Message', '')}".strip()
    return type(err).__name__
