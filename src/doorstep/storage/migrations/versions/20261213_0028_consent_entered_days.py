"""each consent act keeps the day it was entered, and a replaced one the day it was replaced

Consent as of a day was exact only for dated acts. The household row kept no day at which
its current act was recorded, only when the row was created and last written, so an undated
act of consent that replaced another counted only from the row's last write (any later
change of the household moved that day on), and an undated act that does not give consent
(a ``pending`` one, the only kind an import leaves undated) counted on every day, also
before it was recorded. A replaced act went to ``consent_records`` with its own date, or
undated with the day it was replaced.

Now:

- ``households.consent_entered_on``: the day the current act was recorded (entered into
  doorstep: the ``today`` of the import or of ``household consent``, the API or the web
  form that recorded it), whatever day the act itself is dated;
- ``consent_records.entered_on``: the same, kept when the act goes to the history, and
  ``consent_records.replaced_on``: the day it went there (replaced by a newer act, or, for
  an act dated before the one in force, filed there by an import).

An undated act counts from the day it was entered. Rows written before this revision hold
none (not known): they keep the rule they had (``doorstep.storage.repositories.visits.
consent_on``).

Adding nullable columns rewrites no row on either database: on SQLite ``ALTER TABLE ...
ADD COLUMN``, so ``households`` is not copied and keeps its triggers (0005's counts of
pairing input writes, 0024's and 0026's search index). The downgrade drops the columns with
SQLite's own ``ALTER TABLE ... DROP COLUMN`` (since 3.35), for the same reason, not with
Alembic's batch mode.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-13 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The columns added, by table.
COLUMNS = {
    "households": ("consent_entered_on",),
    "consent_records": ("entered_on", "replaced_on"),
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.Date(), nullable=True))


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        for column in reversed(columns):
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
