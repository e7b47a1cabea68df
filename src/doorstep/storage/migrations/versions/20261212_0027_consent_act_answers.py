"""a consent act kept under its device's id keeps what its answer said about planned visits

A consent act sent again under its ``client_id`` (a phone's outbox after a lost answer, a
double tap, a client's retry) is answered as the first time, with nothing written; but its
answer's notes, how many planned visits a withdrawal cancelled and how many stays under way
it cut short, were not kept, and cannot be counted again (a cancellation keeps no day, and
later imports and plans change a household's visits). The resend said only that the visits
it took off, if any, were taken off then.

``consent_client_ids`` now keeps the figures the first answer's note is built from:
``cancelled`` (planned visits cancelled) and ``cut`` (stays under way cut short), 0 and 0
for an act that took none off (and for a consent given, which takes none off). They are
data, not the note's text, so a page says them in its own language. Acts kept before this
revision hold none (not known): their resend keeps the note it had.

Adding nullable columns rewrites no row on either database (SQLite: ``ALTER TABLE ... ADD
COLUMN``; no other table is touched). The downgrade drops them; on SQLite Alembic's batch
mode copies ``consent_client_ids`` for that, a small table with no trigger and nothing
referring to it, keeping every row.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-12 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("consent_client_ids") as batch_op:
        batch_op.add_column(sa.Column("cancelled", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cut", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_client_ids") as batch_op:
        batch_op.drop_column("cut")
        batch_op.drop_column("cancelled")
