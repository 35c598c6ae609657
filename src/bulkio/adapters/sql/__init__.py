"""SQL adapters (SQLAlchemy Core): jobs and records on PostgreSQL or SQLite.

    create_engine_for(url)       an engine tuned for SQLite (WAL, foreign keys) or psycopg 3
    ensure_schema(engine)        SQLite: create the tables; PostgreSQL: Alembic upgrade head
    SqlJobRepository(engine)     JobRepository, optimistic locking on the job version
    SqlRecordStore(engine)       RecordStore, key look-ups, keyset exports
    PostgresRecordStore(engine)  RecordStore, array look-ups, exports written by COPY TO
    SqlBatchWriter(engine)       BatchWriter, INSERT ... ON CONFLICT per set of carried fields
    PostgresBatchWriter(engine)  BatchWriter, COPY into staging then one upsert ... RETURNING
"""

from bulkio.adapters.sql.batches import SqlBatchWriter
from bulkio.adapters.sql.copy_batches import PostgresBatchWriter
from bulkio.adapters.sql.engine import create_engine_for, ensure_schema
from bulkio.adapters.sql.jobs import SqlJobRepository
from bulkio.adapters.sql.postgres import PostgresRecordStore
from bulkio.adapters.sql.records import SqlRecordStore

__all__ = [
    "PostgresBatchWriter",
    "PostgresRecordStore",
    "SqlBatchWriter",
    "SqlJobRepository",
    "SqlRecordStore",
    "create_engine_for",
    "ensure_schema",
]
