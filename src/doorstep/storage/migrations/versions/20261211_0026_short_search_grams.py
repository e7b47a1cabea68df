"""index the characters of the searched texts

A search of one or two characters has no trigram to look up (0024's indexes): it checked
the rows one by one until its page was full, at once for a common text (a surname) but
through every household for one that few or none hold (0.5-0.65 s over the demo region's
1.69M households). Now each has an index of its own:

- SQLite: the FTS5 ``trigram`` tables index each text with two characters (``char(31)``,
  the unit separator) after it, so every character of a text begins one of its trigrams
  (a text of one or two characters has one too); the trigrams beginning with a short text
  are a range of the index's terms, read through an ``fts5vocab`` table
  (``households_fts_terms``, ``visitors_fts_terms``). The FTS tables read their content
  from the views ``households_search_text`` and ``visitors_search_text`` (the folded texts
  so padded), so ``rebuild`` and ``integrity-check`` see what was indexed; the triggers of
  0024 are made again to pad what they add and remove.
- PostgreSQL: a GIN index over the characters of each row's texts
  (``string_to_array(text, NULL)``; a text of two characters looks up the rows holding
  both). A function of each text's pairs of characters too (SQL, ``generate_series``) cost
  about 0.1 ms a text: 44 s at 200,000 households, minutes for an import of the region.

Either gives candidates that the search checks against the folded columns, as it checks a
trigram's, so the rows found are the same. The upgrade builds both indexes from the stored
rows (SQLite: the FTS index again; PostgreSQL: the new index); no row of the tables is
written. The downgrade puts back 0024's FTS tables and triggers, or drops the index.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-11 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: By table: the folded texts its search indexes (as at this revision).
TEXTS = {"households": ("folded_name", "folded_address"), "visitors": ("folded_name",)}
#: What SQLite's FTS index holds after each text (see the module's docstring).
PADDING = "char(31, 31)"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TEXTS:
        if postgres:
            op.execute(
                f"CREATE INDEX ix_{table}_folded_short ON {table} USING gin (({characters(table)}))"
            )
            op.execute(f"ANALYZE {table}")  # the expression's statistics, for the planner
        else:
            _drop_fts(table)
            _fts(table, padded=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TEXTS:
        if postgres:
            op.execute(f"DROP INDEX ix_{table}_folded_short")
        else:
            _drop_fts(table)
            op.execute(f"DROP VIEW {table}_search_text")
            _fts(table, padded=False)


def characters(table: str) -> str:
    """The indexed expression (PostgreSQL): the characters of the row's texts."""
    return f"string_to_array({' || '.join(TEXTS[table])}, NULL)"


def _drop_fts(table: str) -> None:
    for trigger in ("delete", "update"):
        op.execute(f"DROP TRIGGER {table}_fts_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {table}_fts_terms")
    op.execute(f"DROP TABLE {table}_fts")


def _fts(table: str, *, padded: bool) -> None:
    """``table``'s FTS5 trigram index (0024's, or with each text padded), filled from the
    stored rows and kept by triggers on a delete and on an update of a text."""
    texts = TEXTS[table]
    fts = f"{table}_fts"
    cols = ", ".join(texts)
    content = table
    pad = ""
    if padded:
        content = f"{table}_search_text"
        pad = f" || {PADDING}"
        shown = ", ".join(f"{c}{pad} AS {c}" for c in texts)
        op.execute(f"CREATE VIEW {content} AS SELECT id, {shown} FROM {table}")
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{content}', "
        "content_rowid='id', tokenize='trigram case_sensitive 1', detail=none)"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    if padded:
        op.execute(f"CREATE VIRTUAL TABLE {fts}_terms USING fts5vocab({fts}, instance)")
    new = ", ".join(f"new.{c}{pad}" for c in texts)
    old = ", ".join(f"old.{c}{pad}" for c in texts)
    add = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new});"
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in texts)
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} "
        f"WHEN {changed} BEGIN {remove} {add} END"
    )
