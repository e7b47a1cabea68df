"""referrals of households to other organisations' services

A visit's outcome could say ``referral_made``, and nothing followed it: to whom, for what,
and whether the household got the service was kept nowhere. A referral names the household,
the organisation it is referred to, the service (a closed list), the day, the visitor who
made it (if one did) and where it stands (open, accepted, completed, declined, withdrawn)
since which day. New table only: no existing row is touched.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        *(
            sa.Column(
                name,
                sa.DateTime(timezone=True),
                server_default=sa.text("(CURRENT_TIMESTAMP)"),
                nullable=False,
            )
            for name in ("created_at", "updated_at")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name="fk_referrals_household_id_households",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name="fk_referrals_organisation_id_organisations",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["visitors.id"], name="fk_referrals_visitor_id_visitors"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
    )
    for column in ("household_id", "organisation_id", "visitor_id"):
        op.create_index(f"ix_referrals_{column}", "referrals", [column], unique=False)


def downgrade() -> None:
    op.drop_table("referrals")
