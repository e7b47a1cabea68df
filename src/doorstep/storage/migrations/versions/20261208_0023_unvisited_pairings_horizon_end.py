"""the pairings a plan left without a visit keep the end of its horizon

A re-plan from the same day took a pairing the last plan left without a visit as settled
(migration 0016), over any horizon: one left unvisited over a month (it began too late in it
to be due) was still settled for a plan over a year, which has the days its visit falls on,
so its visitor was not planned again with it and the pairing was only fitted in around the
kept visits. ``horizon_end`` is the first day after the horizon of the plan that left it
(``add_months(start, months)``); a re-plan from the same day takes the pairing as settled
only where its own horizon ends on that day or earlier.

Rows from before this revision hold none: their horizon is not known, so a re-plan takes
their pairings as new, as every pairing without a visit was before 0016 (each such visitor
is planned again once, and the plan records the horizon). Taking them as settled instead
would keep the fault for a longer re-plan right after the upgrade.

Adding a nullable column rewrites no row on either database.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unvisited_pairings") as batch_op:
        batch_op.add_column(sa.Column("horizon_end", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unvisited_pairings") as batch_op:
        batch_op.drop_column("horizon_end")
