"""SQL adapters (SQLAlchemy Core): jobs and records on PostgreSQL or SQLite.

    create_engine_for(url)       an engine tuned for SQLite (WAL, foreign keys) or psycopg 3
    ensure_schema(engine)        SQLite: create the tables; PostgreSQL: Alembic upgrade head
    SqlJobRepository(engine)     JobRepository, optimistic locking on the job version
    SqlRecordStore(engine)       RecordStore, INSERT ... ON CONFLICT in batches, keyset exports
    PostgresRecordStore(engine)  RecordStore, COPY into staging then one upsert, server cursor
"""

from bulkio.adapters.sql.engine import create_engine_for, ensure_schema
from bulkio.adapters.sql.jobs import SqlJobRepository
from bulkio.adapters.sql.postgres import PostgresRecordStore
from bulkio.adapters.sql.records import SqlRecordStore

__all__ = [
    "PostgresRecordStore",
    "SqlJobRepository",
    "SqlRecordStore",
    "create_engine_for",
    "ensure_schema",
]
