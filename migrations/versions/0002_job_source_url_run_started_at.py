"""Jobs remember a remote import's URL and when the current attempt started.

Revision ID: 0002
Revises: 0001
Create Date: 2024-01-16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("source_url", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("run_started_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # batch_alter_table: SQLite can only drop a column by rebuilding the table.
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("run_started_at")
        batch.drop_column("source_url")
