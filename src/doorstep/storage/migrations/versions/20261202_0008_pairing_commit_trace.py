"""keep which commit ended a pairing, when a proposal was committed, and index proposed
pairs by visitor

A pairing's row named the proposal whose commit started it, and why it ended, but not the
commit that ended it: one ended without a new pairing (consent withdrawn, visitor left,
nobody eligible) could not be traced to a commit. ``pairings.ended_by_proposal_id`` names
it; ``pairing_proposals.committed_at`` says when each commit ran, so an open proposal made
stale by another area's commit can name that commit. ``proposed_pairs`` is indexed by
visitor: a visitor's export and erasure read and count their rows by it.

The new columns are filled where the stored rows tell (``NULL`` elsewhere, see
:func:`_backfill_committed_at` and :func:`_backfill_ended_by`). The two columns of
``pairings`` are indexed, so a proposal's commit finds the pairings it started and ended.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    fk = op.f("fk_pairings_ended_by_proposal_id_pairing_proposals")
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "pairings",
            sa.Column(
                "ended_by_proposal_id",
                sa.Integer(),
                sa.ForeignKey("pairing_proposals.id", name=fk),
                nullable=True,
            ),
        )
    else:
        # In place, and without the foreign key: batch mode would copy ``pairings`` into a
        # new table, and the copy would lose its triggers (migrations 0004, 0005); and SQLite
        # can drop a column again (downgrade) only if no foreign key names it, where copying
        # the table instead would fail on the visits that point to its rows. Only a commit
        # writes the column, with its own proposal's id; proposals are never deleted.
        op.add_column("pairings", sa.Column("ended_by_proposal_id", sa.Integer(), nullable=True))
    op.add_column(
        "pairing_proposals", sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(op.f("ix_pairings_proposal_id"), "pairings", ["proposal_id"])
    op.create_index(op.f("ix_pairings_ended_by_proposal_id"), "pairings", ["ended_by_proposal_id"])
    op.create_index(op.f("ix_proposed_pairs_visitor_id"), "proposed_pairs", ["visitor_id"])
    _backfill_committed_at()
    _backfill_ended_by()


def _backfill_committed_at() -> None:
    """A committed proposal's ``committed_at`` is the time of its commit's audit event (the
    proposal's ``update`` event whose detail holds ``committed``); none found: ``NULL``."""
    conn = op.get_bind()
    proposals = sa.table(
        "pairing_proposals", sa.column("id", sa.Integer), sa.column("status", sa.String),
        sa.column("committed_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    events = sa.table(
        "audit_events", sa.column("at", sa.DateTime(timezone=True)),
        sa.column("action", sa.String), sa.column("entity", sa.String),
        sa.column("entity_id", sa.String), sa.column("detail", sa.JSON),
    )  # fmt: skip
    committed = [
        str(i)
        for i in conn.execute(
            sa.select(proposals.c.id).where(proposals.c.status == "committed")
        ).scalars()
    ]
    at: dict[int, object] = {}
    for start in range(0, len(committed), 1000):
        rows = conn.execute(
            sa.select(events.c.entity_id, events.c.at, events.c.detail).where(
                events.c.entity == "pairing_proposal",
                events.c.action == "update",
                events.c.entity_id.in_(committed[start : start + 1000]),
            )
        ).all()
        for entity_id, when, detail in rows:
            if isinstance(detail, dict) and "committed" in detail:
                at[int(entity_id)] = when
    for pid, when in at.items():
        conn.execute(sa.update(proposals).where(proposals.c.id == pid).values(committed_at=when))


def _backfill_ended_by() -> None:
    """An ended pairing's commit is the one committed proposal that ended it: committed as
    of the day it ended (``committed_on`` in its params, kept since commits kept it), holding
    its household with another visitor or none, and not the one that started it. Only a
    commit ends pairings, so where exactly one proposal fits it is that one; where none or
    several do (committed before ``committed_on`` was kept; two commits of the household on
    one day), ``NULL``."""
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        on = "c.params ->> 'committed_on'"
        differs = "pp.visitor_id IS DISTINCT FROM pairings.visitor_id"
    else:
        on = "json_extract(c.params, '$.committed_on')"
        differs = "pp.visitor_id IS NOT pairings.visitor_id"
    # ``pairings`` unaliased: SQLite before 3.33 takes no alias in UPDATE.
    fits = f"""
        FROM pairing_proposals c
        JOIN proposed_pairs pp
          ON pp.proposal_id = c.id AND pp.household_id = pairings.household_id
        WHERE c.status = 'committed' AND {on} = CAST(pairings.ended_on AS VARCHAR(10))
          AND c.id <> COALESCE(pairings.proposal_id, 0) AND {differs}
    """
    op.execute(
        f"UPDATE pairings SET ended_by_proposal_id = (SELECT MIN(c.id) {fits}) "
        f"WHERE ended_on IS NOT NULL AND (SELECT COUNT(*) {fits}) = 1"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_proposed_pairs_visitor_id"), table_name="proposed_pairs")
    op.drop_index(op.f("ix_pairings_ended_by_proposal_id"), table_name="pairings")
    op.drop_index(op.f("ix_pairings_proposal_id"), table_name="pairings")
    op.drop_column("pairing_proposals", "committed_at")
    op.drop_column("pairings", "ended_by_proposal_id")
