"""index visitors' first and last active days

`pair explain` tells whether a proposal still describes its area without reading it when
no visitor's first or last active day lies between the proposal's day and today, and no
last day between the two plus the programme's window (who is leaving). Each question was a
scan of every visitor where none matched, the usual answer: 1.12M visitors at region scale,
a tenth of a second or more each on SQLite. With these indexes each is a lookup.

Creating the indexes reads the table once; no row is rewritten.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_visitors_active_from"), "visitors", ["active_from"])
    op.create_index(op.f("ix_visitors_active_to"), "visitors", ["active_to"])


def downgrade() -> None:
    op.drop_index(op.f("ix_visitors_active_to"), table_name="visitors")
    op.drop_index(op.f("ix_visitors_active_from"), table_name="visitors")
