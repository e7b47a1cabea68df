"""store each audit event's area when it is written

An area's manager reads the trail of its subtree (``doorstep audit --area``, ``GET
/api/v1/audit?area=``, ``/audit``). Each event's area was decided at every reading, by six
outer joins (the household, visitor or proposal it is about, or the area, team or visitor
its detail names), and the trail walked from its newest event until a page was full: 3-4 s
on SQLite and 7-16 s on PostgreSQL for one village's first page among 1.69M households'
events, the whole trail for a village with fewer events than a page.

``audit_events.area_path`` now holds the path of the event's area (as ``areas.path``; none:
the whole programme's), set by every writer by the rule of
``doorstep.storage.repositories.event_area``, and an index on ``(area_path, id)`` serves a
subtree's events newest first. On PostgreSQL the column compares as bytes (collation "C"),
so that a subtree's paths are one range of the index whatever the database's collation.

The events already stored get their path by the same rule, in one ``UPDATE`` of the whole
trail with a correlated lookup per event through unique indexes (the areas of households
and visitors as they are at the upgrade: an event keeps the area it had when written from
now on). Its cost grows with the trail, about linearly: on 1.69M events (one per household
of the demo region, villages of 34; ``bench/audit_area.py``, a busy 2-core machine) 6.1-6.5 s
on SQLite and 26-30 s on PostgreSQL, so some minutes on SQLite and a quarter of an hour on
PostgreSQL for a region's tens of millions, then the index's build. It rewrites every row of
the trail once (PostgreSQL keeps the old versions until the next ``VACUUM``: plan the upgrade
at a quiet time and leave room on disk for a second copy of the table).

The downgrade drops the index and the column.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.storage.repositories.event_area import backfill

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_audit_events_area_path_id"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    kind = sa.String(length=400, collation="C") if postgres else sa.String(length=400)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_path", kind, nullable=True))
    op.get_bind().execute(backfill())
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(INDEX, ["area_path", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.drop_column("area_path")
