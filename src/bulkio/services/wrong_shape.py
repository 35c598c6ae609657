"""A file in the wrong shape fails its import at once, with the likely cause, instead of ending
`completed` with a `required` error on every row.

The shape is judged on the columns: a CSV file's header, or the keys of the first batch of an
NDJSON or JSON file (`JOB_BATCH_SIZE` rows, or all of a smaller file). When they name none of
the resource's required fields, every one of those rows would fail, so the job fails before
anything is written. Rows that name at least one required field are left to row validation,
and so is a JSON file none of whose rows is an object (there are no keys to judge).
"""

from __future__ import annotations

from collections.abc import Sequence

from bulkio.domain.resources import RESOURCES, Resource
from bulkio.domain.validation import required_named
from bulkio.formats.delimiter import DELIMITERS, named
from bulkio.formats.source import preview


def wrong_shape(resource: Resource, columns: Sequence[str], delimiter: str | None,
                rows: int) -> str | None:
    """Why a file with these `columns` cannot be a file of `resource`, or None when it may be.

    `delimiter` is the one a CSV file was split on (None for NDJSON and JSON); `rows` is how
    many rows the columns were gathered from (for the message)."""
    if not columns or required_named(resource, columns):
        return None
    required = ", ".join(f.name for f in resource.fields if f.required)
    if delimiter is None:
        first = "the first row carries" if rows == 1 else f"the first {rows:,} rows carry"
        what = (f"{first} none of the required keys {required} (keys found: "
                f"{preview(', '.join(columns))})")
    else:
        what = (f"the header {preview(delimiter.join(columns))!r} matches none of the required "
                f"fields {required}")
    return f"{what}: {_likely_cause(resource, columns, delimiter)}"


def _likely_cause(resource: Resource, columns: Sequence[str], delimiter: str | None) -> str:
    if delimiter is not None:
        for other in DELIMITERS:
            split = [part for column in columns for part in column.split(other)]
            if other != delimiter and required_named(resource, split):
                return (f"is the file separated by {named(other)} rather than "
                        f"{named(delimiter)}? pass delimiter={other!r}")
    matches = {name: len(required_named(candidate, columns))
               for name, candidate in RESOURCES.items() if candidate is not resource}
    best = max(matches, key=matches.__getitem__)
    if matches[best]:
        return f"it looks like a file of {best}: is the resource type right?"
    if delimiter is not None:
        return ("is the first line the header? A CSV file starts with a line naming its "
                "columns, and the delimiter can be given as delimiter=")
    return "are the records wrapped in another object, or named differently?"
