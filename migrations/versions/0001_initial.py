"""Initial schema: users, articles, comments, jobs, job errors, idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2024-01-15

Written out in full rather than imported from `bulkio.adapters.sql.tables`: a migration is a
fixed point in history and must not change when the tables do.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = sa.Uuid(as_uuid=False)
MOMENT = sa.DateTime(timezone=True)
DOCUMENT = sa.JSON(none_as_null=True)
TAGS = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def _key(length: int) -> sa.types.TypeEngine:
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _record_times() -> list[sa.Column]:
    return [
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("last_job_id", UUID, nullable=True),
    ]


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("job_id", UUID, nullable=True),
        sa.Column("response", DOCUMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    _indexes("idempotency_keys", "expires_at")

    op.create_table(
        "jobs",
        sa.Column("id", UUID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("source_name", sa.Text(), nullable=True),
        sa.Column("source_size", sa.BigInteger(), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("filters", DOCUMENT, nullable=False),
        sa.Column("fields", DOCUMENT, nullable=True),
        sa.Column("counters", DOCUMENT, nullable=False),
        sa.Column("errors", DOCUMENT, nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column("warnings", DOCUMENT, nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("locked_by", sa.String(255), nullable=True),
        sa.Column("locked_at", MOMENT, nullable=True),
        sa.Column("heartbeat_at", MOMENT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.BigInteger(), nullable=False),
        sa.Column("resumed_from", sa.BigInteger(), nullable=False),
        sa.Column("started_at", MOMENT, nullable=True),
        sa.Column("completed_at", MOMENT, nullable=True),
        sa.Column("result_key", sa.Text(), nullable=True),
        sa.Column("expires_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_kind_created_at_id", "jobs", ["kind", "created_at", "id"])
    op.create_index("ix_jobs_status_updated_at", "jobs", ["status", "updated_at"])

    op.create_table(
        "job_errors",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("job_id", UUID, nullable=False),
        sa.Column("row", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.BigInteger(), nullable=True),
        sa.Column("field", sa.String(255), nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("value", DOCUMENT, nullable=True),
        sa.Column("raw", DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_job_errors_job_id_jobs",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_job_errors"),
    )
    op.create_index("ix_job_errors_job_id_row", "job_errors", ["job_id", "row"])

    op.create_table(
        "users",
        sa.Column("id", UUID, nullable=False),
        sa.Column("email", _key(254), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role", sa.String(7), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_record_times(),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    _indexes("users", "active", "created_at", "role")
    op.create_index("uq_users_email", "users", ["email"], unique=True)

    op.create_table(
        "articles",
        sa.Column("id", UUID, nullable=False),
        sa.Column("slug", _key(255), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", UUID, nullable=False),
        sa.Column("tags", TAGS, nullable=False),
        sa.Column("status", sa.String(9), nullable=False),
        sa.Column("published_at", MOMENT, nullable=True),
        *_record_times(),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_articles_author_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
    )
    _indexes("articles", "author_id", "created_at", "status")
    op.create_index("uq_articles_slug", "articles", ["slug"], unique=True)

    op.create_table(
        "comments",
        sa.Column("id", UUID, nullable=False),
        sa.Column("article_id", UUID, nullable=False),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("body", sa.String(10000), nullable=False),
        *_record_times(),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"],
                                name="fk_comments_article_id_articles"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_comments_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
    )
    _indexes("comments", "article_id", "created_at", "user_id")


def downgrade() -> None:
    # Dropping a table drops its indexes; referencing tables go first.
    for table in ("comments", "articles", "users", "job_errors", "jobs", "idempotency_keys"):
        op.drop_table(table)
