"""The size of what one input may hold: one set of limits for CSV, NDJSON and JSON.

Each limit is checked while the input streams, before the piece it guards is built whole, so
memory depends on the limits and never on the file. A row over a limit becomes a row error that
shows a short preview; a whole input over a limit (gzip expanding too far) cannot be read.
"""

from __future__ import annotations

from attrs import frozen

MIB = 1024 * 1024


@frozen
class ReadLimits:
    """Bounds on one input; `README.md` (Files) lists them with their variables.

    - `max_value`: characters in one value (a CSV cell, a JSON string).
    - `max_record`: one CSV record (characters, all its lines) or NDJSON line (bytes).
    - `max_columns`: values in one CSV row, keys in one JSON object.
    - `max_depth`: nesting of arrays and objects, the row itself being level 1.
    - `max_values`: arrays, objects and scalars in one JSON row, all levels together.
    - `max_decompressed` and `max_ratio`: bytes a gzip input may expand to, and how many times
      its compressed size (a decompression bomb), checked once `ratio_grace` bytes are out.
    """

    max_value: int = 2 * MIB
    max_record: int = 16 * MIB
    max_columns: int = 1_000
    max_depth: int = 32
    max_values: int = 100_000
    max_decompressed: int = 16 * 1024 * MIB
    max_ratio: int = 100
    ratio_grace: int = 16 * MIB

    def __attrs_post_init__(self) -> None:
        if self.max_record < 8 * self.max_value:
            # What bulkio exports must import again: a CSV cell doubles its quotes and JSON
            # writes a control character as six bytes, so a record holds 8 values' worth.
            raise ValueError("max_record must be at least 8 times max_value")
        for name in ("max_value", "max_columns", "max_depth", "max_values", "max_ratio"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


DEFAULT_LIMITS = ReadLimits()
