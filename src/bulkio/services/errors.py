"""The services' errors; the whole tree, the domain's with these, is drawn in
`bulkio.domain.errors`."""

from __future__ import annotations

from bulkio.domain.errors import BulkioError


class MalformedBody(BulkioError):
    """The request body is not the JSON (or form) it says it is."""


class UploadInterrupted(BulkioError):
    """The client stopped sending before the end of its upload."""


class JobInterrupted(BulkioError):
    """A running job stopped between batches; what it committed stays, and it can resume."""


class LeaseLost(JobInterrupted):
    """The worker's lease on the job lapsed: stop without writing more."""


class WorkerStopping(JobInterrupted):
    """The worker is shutting down: the job stopped after a committed batch and can resume."""
