"""the pairings a plan left without a visit, with its first day

A re-plan plans a visitor again when a pairing of theirs has no planned visit, as if it
were new: one the last plan gave none (its visitor leaves before there is room) was planned
again at every re-plan, alone with everyone else's visits kept, and its visitor's visits
landed a little differently each time. A row here says the plan from ``planned_from`` saw
the pairing, over its days then (``active_from``, ``active_end``), and left it without a
visit; a pairing committed since has none. The row names the pairing's household and
visitor, so that each one's export lists it and each one's erasure deletes it (its days
hold the day the visitor leaves). New table only: no existing row is touched, and
with no rows every pairing without a visit is new, as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unvisited_pairings",
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("planned_from", sa.Date(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pairing_id"],
            ["pairings.id"],
            name="fk_unvisited_pairings_pairing_id_pairings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name="fk_unvisited_pairings_household_id_households",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name="fk_unvisited_pairings_visitor_id_visitors",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pairing_id", name="pk_unvisited_pairings"),
    )
    for column in ("household_id", "visitor_id"):
        op.create_index(
            f"ix_unvisited_pairings_{column}", "unvisited_pairings", [column], unique=False
        )


def downgrade() -> None:
    op.drop_table("unvisited_pairings")
