"""A large import may be split into chunk jobs: a chunk names the job it is part of
(`parent_id`) and the range of the file's rows it imports (`first_row`, `last_row`); the split
job counts its chunks (`chunks`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("parent_id", sa.Uuid(as_uuid=False), nullable=True))
    op.create_index("ix_jobs_parent_id", "jobs", ["parent_id"])
    for name in ("first_row", "last_row"):
        op.add_column("jobs", sa.Column(name, sa.BigInteger(), nullable=True))
    op.add_column("jobs", sa.Column("chunks", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_index("ix_jobs_parent_id", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        for column in ("chunks", "last_row", "first_row", "parent_id"):
            batch.drop_column(column)
