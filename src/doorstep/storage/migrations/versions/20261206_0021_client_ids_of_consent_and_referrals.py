"""consent acts and referrals keep the id the device that sent them gave them

A visitor records a household's consent and refers it to a service at the door, often with
no network: the phone keeps the act and sends it when the network is back, perhaps twice
(a reload, a double tap, a send whose answer was lost). Each act now carries the id the
phone gave it, unique, so one sent again is found and answered, not recorded twice.

A referral keeps its id on its row (``referrals.client_id``, none for referrals made before
or at the command line). A consent act is the household's row until the next act moves it
to ``consent_records`` (and an import of households may rewrite it), so its id is kept in a
table of its own, ``consent_client_ids``, with the act as sent and the answer it had. Both
are the household's record: in its export, gone with its erasure (``ON DELETE CASCADE``).

Adding a nullable column and a table rewrites no row on PostgreSQL; SQLite's batch copies
the referrals table once, keeping every row.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_client_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("was", sa.String(length=20), nullable=False),
        sa.Column("was_since", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_consent_client_ids_household_id_households"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_client_ids")),
        sa.UniqueConstraint("client_id", name=op.f("uq_consent_client_ids_client_id")),
    )
    op.create_index(
        op.f("ix_consent_client_ids_household_id"),
        "consent_client_ids",
        ["household_id"],
        unique=False,
    )
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.add_column(sa.Column("client_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_referrals_client_id"), ["client_id"])


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch_op:
        batch_op.drop_constraint(op.f("uq_referrals_client_id"), type_="unique")
        batch_op.drop_column("client_id")
    op.drop_index(op.f("ix_consent_client_ids_household_id"), table_name="consent_client_ids")
    op.drop_table("consent_client_ids")
