"""count updates of households and visitors only where they set what pairing reads

Migration 0004 counted every write to the tables a proposal reads, so editing a household's
address or a visitor's name made the next `pair explain` read the whole area again (13-19 s
for a region). Updates of households and visitors now count only when they set one of the
columns a proposal reads; inserts, deletes and every write to the other tables still count.
PostgreSQL: a statement trigger for inserts, deletes and truncation and one for updates of
those columns. SQLite: the update trigger with those columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As PAIRING_INPUT_COLUMNS in doorstep.storage.tables.pairings when this was written (a
# migration keeps its own copy: later changes to the lists need a migration of their own).
COLUMNS = {
    "households": (
        "id", "external_id", "area_id", "lat", "lon", "languages", "remote_pool",
        "consent_state",
    ),
    "visitors": (
        "id", "external_id", "lat", "lon", "languages", "capacity", "active_from",
        "active_to", "service_area_id", "remote_pool",
    ),
}  # fmt: skip

_SQLITE_COUNT = (
    "BEGIN INSERT INTO pairing_input_writes (id, writes) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET writes = writes + 1; END"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, columns in COLUMNS.items():
        of = ", ".join(columns)
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_written ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_written AFTER INSERT OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_updated AFTER UPDATE OF {of} "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
            )
        else:
            op.execute(f"DROP TRIGGER {table}_update_written")
            op.execute(
                f"CREATE TRIGGER {table}_update_written AFTER UPDATE OF {of} ON {table} "
                + _SQLITE_COUNT
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in COLUMNS:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_updated ON {table}")
            op.execute(f"DROP TRIGGER {table}_written ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION pairing_input_written()"
            )
        else:
            op.execute(f"DROP TRIGGER {table}_update_written")
            op.execute(
                f"CREATE TRIGGER {table}_update_written AFTER UPDATE ON {table} " + _SQLITE_COUNT
            )
