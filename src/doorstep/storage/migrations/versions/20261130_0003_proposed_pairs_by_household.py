"""index proposed pairs by household

A region's proposal holds a row per household (1.69M), and every proposal stays. Finding the
proposal that explains a household, and erasing a household (its proposed pairs go with it by
``ON DELETE CASCADE``), looked through every proposal's rows without this index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("proposed_pairs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposed_pairs_household_id"), ["household_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("proposed_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposed_pairs_household_id"))
