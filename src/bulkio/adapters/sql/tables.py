"""The database schema as SQLAlchemy Core tables; the record tables derive from the resources.

Alembic's migrations target this metadata, and `tests/integration/test_migrations.py` checks
that the two never drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from bulkio.domain.fields import Boolean, Choice, FieldKind, Pattern, TagList, Text, Timestamp, Uuid
from bulkio.domain.resources import RESOURCES, Resource

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

UUID = sa.Uuid(as_uuid=False)
MOMENT = sa.DateTime(timezone=True)
# SQL NULL for None, so "no value" and "no raw row" read back as None either way.
DOCUMENT = sa.JSON(none_as_null=True)
TAGS = sa.JSON().with_variant(postgresql.ARRAY(sa.Text), "postgresql")


def _column_type(kind: FieldKind, is_key: bool) -> TypeEngine:
    if isinstance(kind, Uuid):
        return UUID
    if isinstance(kind, Pattern):
        text = sa.String(kind.max_length)
        # Byte order on PostgreSQL whatever the database locale, so key order (exports, keyset
        # pages, lock order) is the same code-point order as in Python and SQLite.
        return text.with_variant(sa.String(kind.max_length, collation="C"), "postgresql") \
            if is_key else text
    if isinstance(kind, Choice):
        return sa.String(max(len(choice) for choice in kind.choices))
    if isinstance(kind, Text):
        return sa.String(kind.max_length) if kind.max_length else sa.Text()
    if isinstance(kind, Boolean):
        return sa.Boolean()
    if isinstance(kind, Timestamp):
        return MOMENT
    if isinstance(kind, TagList):
        return TAGS
    raise TypeError(f"no column type for field kind {kind!r}")


def _record_table(resource: Resource) -> sa.Table:
    columns = [
        sa.Column(
            f.name,
            _column_type(f.kind, f.name == resource.key),
            primary_key=f.name == "id",
            nullable=f.name != "id" and not f.required and f.default is None,
        )
        for f in resource.fields
    ]
    references = [
        sa.ForeignKeyConstraint([ref.field], [f"{ref.resource}.id"]) for ref in resource.references
    ]
    indexed = {flt.field for flt in resource.filters} - {resource.key, "id"}
    indexes = [sa.Index(None, name) for name in sorted(indexed)]
    if resource.key != "id":
        indexes.append(sa.Index(f"uq_{resource.name}_{resource.key}", resource.key, unique=True))
    return sa.Table(
        resource.name,
        metadata,
        *columns,
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        # The job that last wrote the row: the upsert policy counts a key repeated across
        # batches of one file as skipped when it finds its own job here.
        sa.Column("last_job_id", UUID, nullable=True),
        *references,
        *indexes,
    )


# Referenced tables first, so foreign keys resolve in declaration order.
records: dict[str, sa.Table] = {name: _record_table(r) for name, r in RESOURCES.items()}

def _columns(kind: TypeEngine, *names: str, nullable: bool) -> list[sa.Column]:
    return [sa.Column(name, kind, nullable=nullable) for name in names]


# Grouped by type (the order of columns is immaterial: rows are read and written by name).
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    *_columns(sa.String(16), "kind", "format", "status", "phase", nullable=False),
    sa.Column("resource", sa.String(64), nullable=False),
    sa.Column("locked_by", sa.String(255), nullable=True),
    *_columns(sa.Text, "source", "source_name", "source_url", "callback_url", "failure",
              "result_key", "waiting_for", nullable=True),
    sa.Column("source_size", sa.BigInteger, nullable=True),
    *_columns(sa.BigInteger, "error_count", "checkpoint", "resumed_from", nullable=False),
    *_columns(sa.Integer, "version", "attempts", nullable=False),
    sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("delimiter", sa.String(1), nullable=True),
    sa.Column("keep_formulas", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("suspect", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("alone", sa.Boolean, nullable=False, server_default=sa.false()),
    # A chunk of a split import: the split job, and the range of the file's rows it imports.
    sa.Column("parent_id", UUID, nullable=True, index=True),
    *_columns(sa.BigInteger, "first_row", "last_row", nullable=True),
    sa.Column("chunks", sa.Integer, nullable=False, server_default="0"),
    *_columns(DOCUMENT, "filters", "counters", "errors", "warnings", nullable=False),
    sa.Column("fields", DOCUMENT, nullable=True),
    *_columns(MOMENT, "locked_at", "heartbeat_at", "started_at", "run_started_at",
              "completed_at", "expires_at", "waiting_since", nullable=True),
    *_columns(MOMENT, "created_at", "updated_at", nullable=False),
    sa.Index(None, "status", "updated_at"),
    sa.Index(None, "kind", "created_at", "id"),
)

def _rows_of_a_job() -> list[sa.Column]:
    """The serial id and the job a row belongs to (removed with the job)."""
    return [
        # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("job_id", UUID, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    ]


job_errors = sa.Table(
    "job_errors",
    metadata,
    *_rows_of_a_job(),
    sa.Column("row", sa.BigInteger, nullable=False),
    sa.Index(None, "job_id", "row"),
    sa.Column("line", sa.BigInteger, nullable=True),
    sa.Column("field", sa.String(255), nullable=True),
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("value", DOCUMENT, nullable=True),
    sa.Column("raw", DOCUMENT, nullable=True),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    *_rows_of_a_job(),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", MOMENT, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index(None, "job_id", "attempt"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("scope", "key"),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("job_id", UUID, nullable=True),
    sa.Column("response", DOCUMENT, nullable=True),
    sa.Column("created_at", MOMENT, nullable=False),
    sa.Column("expires_at", MOMENT, nullable=False),
    sa.Index(None, "expires_at"),
)
