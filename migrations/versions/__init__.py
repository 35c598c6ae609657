"""Alembic revisions, applied in order by `bulkio migrate`."""
