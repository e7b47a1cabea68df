"""the programme's cadence

Every work list, report, household's and visitor's file and plan of the database took its
cadence from a flag, 60 days between visits and stays of 5 days unless given; the web app's
lists and reports could take no other, so a programme visiting every 30 days saw deadlines
a month late. One row, written by `doorstep cadence set`, is now the default of them all.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "programme_cadence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("max_gap_days", sa.Integer(), nullable=False),
        sa.Column("stay_days", sa.Integer(), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_programme_cadence_one_row")),
        sa.CheckConstraint(
            "max_gap_days BETWEEN 1 AND 3660 AND stay_days BETWEEN 1 AND max_gap_days",
            name=op.f("ck_programme_cadence_days"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_cadence")),
    )


def downgrade() -> None:
    op.drop_table("programme_cadence")
