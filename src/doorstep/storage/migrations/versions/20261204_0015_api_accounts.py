"""accounts of the HTTP API and their tokens

The API's callers are accounts: a manager or coordinator of an area's subtree, or a visitor
who sees and records their own work. A token is stored as its SHA-256 digest only. A
visitor's account goes with the visitor's erasure (``ON DELETE CASCADE``), and an account's
tokens with the account. New tables only: no existing row is touched.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        *(
            sa.Column(
                name,
                sa.DateTime(timezone=True),
                server_default=sa.text("(CURRENT_TIMESTAMP)"),
                nullable=False,
            )
            for name in ("created_at", "updated_at")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name="fk_accounts_area_id_areas", ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name="fk_accounts_visitor_id_visitors",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("name", name="uq_accounts_name"),
        sa.UniqueConstraint("visitor_id", name="uq_accounts_visitor_id"),
        sa.CheckConstraint(
            "role IN ('manager', 'coordinator', 'visitor')", name="ck_accounts_account_role"
        ),
        sa.CheckConstraint(
            "(role = 'visitor') = (visitor_id IS NOT NULL)",
            name="ck_accounts_account_visitor_role",
        ),
        sa.CheckConstraint(
            "role != 'coordinator' OR area_id IS NOT NULL", name="ck_accounts_account_area"
        ),
    )
    op.create_index("ix_accounts_area_id", "accounts", ["area_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name="fk_api_tokens_account_id_accounts",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("digest", name="uq_api_tokens_digest"),
    )
    op.create_index("ix_api_tokens_account_id", "api_tokens", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("accounts")
