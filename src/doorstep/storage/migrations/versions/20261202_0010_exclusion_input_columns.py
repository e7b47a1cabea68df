"""count updates of exclusions only where they set what pairing reads

Migration 0004 counted every write to ``exclusions``, so editing only an exclusion's reason
(which no proposal reads) sent the next `pair explain` of its area back to reading the whole
area. As migration 0005 did for households and visitors, an update now counts only when it
sets a column a proposal reads (the pair); inserts and deletes still count.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As PAIRING_INPUT_COLUMNS["exclusions"] in doorstep.storage.tables.pairings when this was
# written (a migration keeps its own copy).
COLUMNS = ("id", "visitor_id", "household_id")

_SQLITE_COUNT = (
    "BEGIN INSERT INTO pairing_input_writes (id, writes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET writes = writes + 1; END"
)


def upgrade() -> None:
    of = ", ".join(COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER exclusions_written ON exclusions")
        op.execute(
            "CREATE TRIGGER exclusions_written AFTER INSERT OR DELETE OR TRUNCATE "
            "ON exclusions FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
        )
        op.execute(
            f"CREATE TRIGGER exclusions_updated AFTER UPDATE OF {of} "
            "ON exclusions FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
        )
    else:
        op.execute("DROP TRIGGER exclusions_update_written")
        op.execute(
            f"CREATE TRIGGER exclusions_update_written AFTER UPDATE OF {of} ON exclusions "
            + _SQLITE_COUNT
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER exclusions_updated ON exclusions")
        op.execute("DROP TRIGGER exclusions_written ON exclusions")
        op.execute(
            "CREATE TRIGGER exclusions_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            "ON exclusions FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
        )
    else:
        op.execute("DROP TRIGGER exclusions_update_written")
        op.execute(
            "CREATE TRIGGER exclusions_update_written AFTER UPDATE ON exclusions " + _SQLITE_COUNT
        )
