"""Values on their way to the SQL tables: times are written as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bulkio.adapters.sql.rows import to_utc


def test_times_are_written_as_aware_utc_and_a_naive_one_is_read_as_utc() -> None:
    naive = datetime(2024, 1, 15, 10, 30, 5, 120)
    paris = datetime(2024, 1, 15, 11, 30, 5, 120, tzinfo=timezone(timedelta(hours=1)))
    assert to_utc(naive) == datetime(2024, 1, 15, 10, 30, 5, 120, tzinfo=UTC)
    assert to_utc(naive).tzinfo is UTC  # binary COPY into timestamptz takes aware times only
    assert to_utc(paris) == to_utc(naive) and to_utc(paris).tzinfo is UTC
    assert to_utc(None) is None
