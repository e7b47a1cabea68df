"""remote pools of visitors and the households they are meant for

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("visitors", "households"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("remote_pool", sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_remote_pool"), ["remote_pool"])


def downgrade() -> None:
    for table in ("households", "visitors"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_remote_pool"))
            batch_op.drop_column("remote_pool")
