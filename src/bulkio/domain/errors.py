"""Every error bulkio raises, as one tree: the domain's here, the services' in
`bulkio.services.errors`. How each one is answered over HTTP is decided in one table, in
`bulkio.entrypoints.http.problems`, and nowhere else.

    BulkioError
    ├── InvalidRequest            the caller asked for something malformed
    │   ├── UnknownResource       no resource of that name
    │   ├── UnknownField          a field or filter the resource does not declare
    │   ├── UnsupportedFormat     not csv, ndjson or json
    │   ├── TooLarge              over the size limit
    │   ├── EmptySource           nothing in the file
    │   └── IdempotencyKeyReused  the key was used for a different request
    ├── NotFound                  no job, file or record with that id
    ├── Conflict                  the state changed under the caller
    │   ├── InvalidTransition     a job cannot move from its state to the one asked
    │   ├── StaleJob              the job was changed by someone else (fencing)
    │   └── IdempotencyKeyInFlight  the key's first request is still being accepted
    ├── SourceUnreadable          the whole input cannot be read: the job fails with this reason
    ├── WebhookRefused            a callback URL that may not be called (not public): no retry
    ├── Unavailable               an infrastructure dependency failed
    │   ├── SchemaMissing         the database has no bulkio tables yet: run `bulkio migrate`
    │   └── Busy                  held by someone else for now (a job row being written,
    │                             a worker running a suspect job alone): try again shortly
    ├── InvalidSettings           environment variables out of type or range (lists every one)
    ├── FieldProblem              one raw value does not fit its field (validation turns it
    │                             into a `RowError`; it never leaves the domain)
    │   services.errors:
    ├── MalformedBody             the request body is not the JSON or form it says it is
    ├── UploadInterrupted         the client stopped sending before the end of its upload
    └── JobInterrupted            a running job stops between batches, its work committed
        ├── LeaseLost             the worker's lease on the job lapsed
        └── WorkerStopping        the worker is shutting down

Row-level problems are not exceptions: validators return `RowError` values (see `rows.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bulkio.domain.rows import ErrorCode


class BulkioError(Exception):
    """Base of every error bulkio raises on purpose."""


class InvalidRequest(BulkioError):
    """The request itself is malformed; `field` names the parameter at fault, when one is."""

    def __init__(self, message: str = "", *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    @property
    def errors(self) -> list[dict[str, str]]:
        """The field-level errors a client can show next to its inputs."""
        return [{"field": self.field, "message": str(self)}] if self.field else []


@contextmanager
def blame(field: str) -> Iterator[None]:
    """Name `field` as at fault in a request error raised inside that names no field itself."""
    try:
        yield
    except InvalidRequest as err:
        if err.field is None:
            err.field = field
        raise


class UnknownResource(InvalidRequest):
    """No resource has this name."""


class UnknownField(InvalidRequest):
    """A field or filter that the resource does not declare."""


class UnsupportedFormat(InvalidRequest):
    """A file format bulkio does not read or write."""


class NotFound(BulkioError):
    """Nothing with that id."""


class Conflict(BulkioError):
    """The state changed under the caller."""


class InvalidTransition(Conflict):
    """A job cannot move from its current state to the one asked."""


class StaleJob(Conflict):
    """The job was changed by another actor since it was read: the write was fenced off."""


class SourceUnreadable(BulkioError):
    """The input as a whole cannot be read (not just one row)."""


class Unavailable(BulkioError):
    """An infrastructure dependency (database, storage, queue) failed."""


class Busy(Unavailable):
    """What the caller needs is held by someone else for now; asking again shortly may work."""


class TooLarge(InvalidRequest):
    """The upload or remote file is over the size limit."""


class EmptySource(InvalidRequest):
    """The file has no content at all."""


class SchemaMissing(Unavailable):
    """The database holds no bulkio schema (or an older one): `bulkio migrate` creates it."""


class InvalidSettings(BulkioError):
    """Settings that cannot run: `problems` holds one line per bad variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings: " + "; ".join(problems))
        self.problems = tuple(problems)


class WebhookRefused(BulkioError):
    """The callback URL may not be called (not http(s), or not a public address)."""


class IdempotencyKeyReused(InvalidRequest):
    """The key was already used for a different request."""


class IdempotencyKeyInFlight(Conflict):
    """A request with this key is still being accepted."""


class FieldProblem(BulkioError):
    """A raw value that does not fit its field (internal to validation)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
