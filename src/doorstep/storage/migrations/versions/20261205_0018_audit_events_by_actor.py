"""index the audit trail by actor, newest first

A manager reading the trail of one account (``doorstep audit --actor``, ``GET
/api/v1/audit?actor=``) walked it from the newest event until a page was full: about a
second on a county's 170,000 events, and for an actor with few events a region's tens of
millions. With the actor and the id in one index the page is read from it directly.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_actor_id", ["actor", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_actor_id")
