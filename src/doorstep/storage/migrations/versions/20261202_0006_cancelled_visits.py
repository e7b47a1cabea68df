"""keep planned visits a re-plan removed, so calendars can cancel their events

A calendar app that imported a visitor's .ics keeps every event until a later file cancels
it (``STATUS:CANCELLED`` under the same UID). Re-planning deletes the planned visits it
replaces, so the next calendar could not name them; their household, visitor and days are
kept here until the days are past.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cancelled_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "cancelled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_cancelled_visits_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"], ["visitors.id"], name=op.f("fk_cancelled_visits_visitor_id_visitors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancelled_visits")),
        sa.UniqueConstraint(
            "household_id",
            "visitor_id",
            "starts_on",
            name=op.f("uq_cancelled_visits_household_id"),
        ),
    )
    with op.batch_alter_table("cancelled_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cancelled_visits_visitor_id"), ["visitor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cancelled_visits_ends_on"), ["ends_on"], unique=False)


def downgrade() -> None:
    op.drop_table("cancelled_visits")
