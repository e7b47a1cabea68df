"""index the audit trail by the id of what an event is about

A household's or visitor's export and erasure look up the events about one id; without an
index that reads the whole trail, which grows by one event per household each time a
region's work list, plan or export names them (tens of millions of rows within weeks).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_entity_id"), ["entity_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_entity_id"))
