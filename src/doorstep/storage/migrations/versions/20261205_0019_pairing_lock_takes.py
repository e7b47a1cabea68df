"""count the transactions that take the pairing lock

A plan on PostgreSQL held the pairing lock from its first read to its commit, and recording
a visit takes that lock: visits sent during a region's plan (minutes) waited for it. A plan
now reads without the lock and compares this count, read before it reads and again once it
holds the lock: every transaction that writes what a plan reads takes the lock and adds one
here in its own transaction, so the same count means none of them committed meanwhile. One
row; the count is seen at each one's commit, in the order they commit.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pairing_lock_takes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_lock_takes")),
    )


def downgrade() -> None:
    op.drop_table("pairing_lock_takes")
