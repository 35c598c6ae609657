"""Jobs remember their CSV options: the field delimiter an import reads with (`delimiter`, null
means detect it), and whether a CSV export writes formula-like cells raw (`keep_formulas`).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("delimiter", sa.String(1), nullable=True))
    op.add_column("jobs", sa.Column("keep_formulas", sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        for column in ("keep_formulas", "delimiter"):
            batch.drop_column(column)
