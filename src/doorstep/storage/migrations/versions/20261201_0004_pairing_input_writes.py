"""count writes to the tables pairing reads

`pair explain` told whether a proposal still describes its area by reading the whole area
again (1.69M households: 13-19 s) and comparing digests. Triggers now count every write to
the tables a proposal reads; where the count is the same as when the digest was taken,
nothing it covers can have changed. PostgreSQL: a row per statement, with its transaction
(statement triggers; inserts of concurrent transactions never wait for each other). SQLite
(no statement triggers, one writer at a time): one counter row, one more per row written.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As PAIRING_INPUT_TABLES in doorstep.storage.tables.pairings when this was written (a
# migration keeps its own copy: later changes to the list need a migration of their own).
TABLES = ("areas", "households", "visitors", "pairings", "exclusions")


def upgrade() -> None:
    op.create_table(
        "pairing_input_writes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("writes", sa.BigInteger(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pairing_input_writes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION pairing_input_written() RETURNS trigger AS $$
            BEGIN
                INSERT INTO pairing_input_writes (writes, txid) VALUES (1, txid_current());
                RETURN NULL;
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
            )
        return
    op.execute("INSERT INTO pairing_input_writes (id, writes) VALUES (1, 0)")
    for table in TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            # An upsert, so that the count goes on even if the row was deleted.
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_written AFTER {event} ON {table} "
                "BEGIN INSERT INTO pairing_input_writes (id, writes) VALUES (1, 1) "
                "ON CONFLICT (id) DO UPDATE SET writes = writes + 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_written ON {table}")
        op.execute("DROP FUNCTION pairing_input_written()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_{event}_written")
    op.drop_table("pairing_input_writes")
