"""Jobs count their runs apart from their attempts, remember whether they ran beside a crash
(suspect) or alone, and show the dependency they wait for.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("runs", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("jobs", sa.Column("suspect", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    op.add_column("jobs", sa.Column("alone", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))
    op.add_column("jobs", sa.Column("waiting_for", sa.Text(), nullable=True))
    op.add_column("jobs", sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True))
    # Jobs already claimed count one run per attempt they show.
    op.execute("UPDATE jobs SET runs = attempts")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for column in ("waiting_since", "waiting_for", "alone", "suspect", "runs"):
            batch.drop_column(column)
