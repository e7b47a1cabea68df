"""a planned visit knows the first day of the plan that laid it

A re-plan takes a planned stay that passed with nothing recorded as not made, and plans the
household's visitor again when a later kept visit counted on that stay. Whether it did
cannot be told from the days alone: the plan that laid the kept visit may have known the
stay passed unmade (it planned from after the stay) or not. ``planned_from`` says which.
Rows from before this revision, and planned visits imported from files, hold none: a re-plan
takes them as laid before any such stay, as it did before.

Adding a nullable column rewrites no row on either database.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("planned_from", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_column("planned_from")
