"""store households' and visitors' ids, names and addresses folded, and index them by trigram

Finding a household or a visitor by part of a name or an address (``household find``,
``visitor find``, the API's and the pages' search) matched ``LOWER(column) LIKE '%text%'``:
a scan of every row (about 1.5 s over the demo region's 1.69M households on SQLite), and
SQLite's ``LOWER`` folds ASCII only, so ``élodie`` did not find ``ÉLODIE``.

Each household now holds ``folded_id``, ``folded_name`` and ``folded_address`` and each
visitor ``folded_id`` and ``folded_name``: the column folded (NFKC, ``str.casefold``, see
``doorstep.domain.folding``), written with it by every writer (``bulk``: imports and the
demo; an erasure). A search folds its text the same way, and finds:

- an id's start by a range of the index on ``folded_id`` (collation "C" on PostgreSQL: the
  ids beginning with a text are one range of code points);
- a name's or address's part of three characters or more by a trigram index: on SQLite an
  FTS5 table with the ``trigram`` tokenizer (``households_fts``, ``visitors_fts``, holding no
  copy of the text: ``content=`` the table, kept by the triggers made here on a delete or an
  update and by ``bulk`` on an insert), on PostgreSQL a
  ``pg_trgm`` GIN index (the extension is created here: trusted, so the database's owner
  may). The candidates it gives are checked against the folded column, so the rows are
  exactly those holding the text.

The rows already stored are folded in one pass (SQLite: one ``UPDATE`` calling Python's
fold for each row; PostgreSQL: the folded values copied into a temporary table and one
``UPDATE ... FROM``), then the indexes are built (and on PostgreSQL the tables' statistics
taken again). ``bench/find.py`` times it on the region: 20 s on SQLite and 2 minutes on
PostgreSQL for 1.69M households and 1.12M visitors (PostgreSQL writes a new version of
every row: plan the upgrade at a quiet time, with room on disk for a second copy of both
tables).

A later migration that rebuilds ``households`` or ``visitors`` on SQLite (Alembic's batch
mode copies the table) drops the triggers made here with the old table: it must make them
again, as the searches' tests would show.

The downgrade drops the triggers, the FTS tables, the indexes and the columns (the
extension stays: other databases' objects on the server may use it).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from doorstep.domain.folding import fold

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: By table: each column searched and its folded copy (as at this revision).
FOLDED = {
    "households": {
        "external_id": "folded_id",
        "head_name": "folded_name",
        "address": "folded_address",
    },
    "visitors": {"external_id": "folded_id", "name": "folded_name"},
}


def _texts(table: str) -> list[str]:
    """The folded columns a trigram index serves (all but the id)."""
    return [f for f in FOLDED[table].values() if f != "folded_id"]


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    folded_id = sa.Text(collation="C") if postgres else sa.Text()
    for table, columns in FOLDED.items():
        for folded in columns.values():
            kind = folded_id if folded == "folded_id" else sa.Text()
            op.add_column(table, sa.Column(folded, kind, nullable=False, server_default=""))
        if postgres:
            _backfill_postgres(bind, table)
        else:
            _backfill_sqlite(bind, table)
        op.create_index(f"ix_{table}_folded_id", table, ["folded_id"])
        if postgres:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            ops = ", ".join(f"{c} gin_trgm_ops" for c in _texts(table))
            op.execute(f"CREATE INDEX ix_{table}_folded_trgm ON {table} USING gin ({ops})")
            # Every row was written again and the new columns have no statistics: until
            # autovacuum samples them, the planner chose a walk of every household in id
            # order for a district's search (5.4 s where 40 ms after ANALYZE).
            op.execute(f"ANALYZE {table}")
        else:
            _fts_sqlite(table)


def _backfill_sqlite(bind: sa.Connection, table: str) -> None:
    raw = bind.connection.driver_connection
    assert raw is not None
    raw.create_function("doorstep_fold", 1, fold, deterministic=True)
    sets = ", ".join(f"{f} = doorstep_fold({c})" for c, f in FOLDED[table].items())
    bind.exec_driver_sql(f"UPDATE {table} SET {sets}")


def _backfill_postgres(bind: sa.Connection, table: str) -> None:
    columns = FOLDED[table]
    rows = bind.exec_driver_sql(f"SELECT id, {', '.join(columns)} FROM {table}").all()
    folded = ", ".join(f"{f} text" for f in columns.values())
    bind.exec_driver_sql(f"CREATE TEMP TABLE _folded (id integer, {folded}) ON COMMIT DROP")
    raw = bind.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy("COPY _folded FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[0], *(fold(v or "") for v in row[1:])])
    sets = ", ".join(f"{f} = s.{f}" for f in columns.values())
    bind.exec_driver_sql(f"UPDATE {table} AS t SET {sets} FROM _folded AS s WHERE t.id = s.id")
    bind.exec_driver_sql("DROP TABLE _folded")


def _fts_sqlite(table: str) -> None:
    """The FTS5 index of ``table``'s folded texts, holding no copy of them (``content=``),
    built from the stored rows and kept by triggers on a delete and on an update of a text;
    the rows inserted are added by the writer (``bulk``), in one statement (a trigger per
    row tripled an import's time). ``case_sensitive 1``: the text is
    folded already; ``detail=none``: no positions (the smallest index), the search checks
    each candidate against the column."""
    texts = _texts(table)
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(texts)}, content='{table}', "
        "content_rowid='id', tokenize='trigram case_sensitive 1', detail=none)"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    cols = ", ".join(texts)
    new = ", ".join(f"new.{c}" for c in texts)
    old = ", ".join(f"old.{c}" for c in texts)
    add = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in texts)
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} "
        f"WHEN {changed} BEGIN {remove} {add} END"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, columns in FOLDED.items():
        if postgres:
            op.execute(f"DROP INDEX ix_{table}_folded_trgm")
        else:
            for trigger in ("delete", "update"):
                op.execute(f"DROP TRIGGER {table}_fts_{trigger}")
            op.execute(f"DROP TABLE {table}_fts")
        op.drop_index(f"ix_{table}_folded_id", table_name=table)
        # Not Alembic's batch mode: on SQLite it copies the table, and its triggers (0005's)
        # would go with the old one. SQLite drops a column itself since 3.35.
        for folded in columns.values():
            op.execute(f"ALTER TABLE {table} DROP COLUMN {folded}")
