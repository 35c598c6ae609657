"""Alembic migrations of bulkio's schema, shipped in the wheel as `bulkio.migrations`."""
