"""keep an erased household's visit events for calendars in a table, not in the trail

An erasure kept the UIDs and days of the household's visits not over, for its visitors'
calendars to cancel, in an ``update`` event of each visitor's (``table`` ``calendar``). The
trail is never cleared and keeps the household's id in the erasure's event, so anyone who
reads it could confirm the visits' dates by hashing guesses (a UID is a digest of
household, visitor and first day), and the entries stayed once over. They move to
``erased_visit_events``, linked to the visitor only and forgotten once over; the events keep
only how many were kept (``kept``), like other erased data.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALENDAR = "calendar"
#: Who the events written by the downgrade are by.
ACTOR = "migration 0011 (downgrade)"

_events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("detail", sa.JSON()),
)
_visitors = sa.table(
    "visitors", sa.column("id", sa.Integer()), sa.column("external_id", sa.String())
)


def _kept_table() -> sa.TableClause:
    return sa.table(
        "erased_visit_events",
        sa.column("id", sa.Integer()),
        sa.column("visitor_id", sa.Integer()),
        sa.column("uid", sa.String()),
        sa.column("starts_on", sa.Date()),
        sa.column("ends_on", sa.Date()),
        sa.column("kept_until", sa.Date()),
        sa.column("sequence_base", sa.Integer()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )


def upgrade() -> None:
    op.create_table(
        "erased_visit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("kept_until", sa.Date(), nullable=False),
        sa.Column("sequence_base", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_erased_visit_events_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_visit_events")),
    )
    with op.batch_alter_table("erased_visit_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_erased_visit_events_visitor_id"), ["visitor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_erased_visit_events_kept_until"), ["kept_until"], unique=False
        )
    _move_out_of_the_trail()


def _move_out_of_the_trail() -> None:
    """Each kept event not over today goes into the table, under its visitor; each trail
    event that held them keeps only how many it held."""
    conn = op.get_bind()
    ids = dict(conn.execute(sa.select(_visitors.c.external_id, _visitors.c.id)).all())
    today = dt.date.today()
    kept = _kept_table()
    old = conn.execute(
        sa.select(_events.c.id, _events.c.at, _events.c.entity_id, _events.c.detail)
        .where(_events.c.entity == "visitor", _events.c.action == "update")
        .order_by(_events.c.id)
    ).all()
    for event_id, at, visitor, detail in old:
        detail = _loaded(detail)
        if detail.get("table") != CALENDAR or "cancelled" not in detail:
            continue
        events = detail["cancelled"]
        day = dt.date.fromisoformat
        rows = [
            {
                "visitor_id": ids[visitor],
                "uid": uid,
                "starts_on": day(a),
                "ends_on": day(z),
                "kept_until": day(until),
                "sequence_base": int(detail.get("base", 0)),
                "created_at": at,
            }
            for uid, a, z, until in events
            if day(until) >= today and visitor in ids
        ]
        if rows:
            conn.execute(sa.insert(kept), rows)
        conn.execute(
            sa.update(_events)
            .where(_events.c.id == event_id)
            .values(detail={"table": CALENDAR, "kept": len(events)})
        )


def _loaded(detail: Any) -> dict[str, Any]:
    """A detail as read back (SQLite may hand back JSON text)."""
    value = json.loads(detail) if isinstance(detail, str) else detail
    return value if isinstance(value, dict) else {}


def downgrade() -> None:
    # The events go back into the trail, as the code before this revision reads them: one
    # ``update`` event per visitor and base (the events this revision rewrote keep their
    # count only; the UIDs and days of those over are gone).
    conn = op.get_bind()
    kept = _kept_table()
    rows = conn.execute(
        sa.select(
            _visitors.c.external_id,
            kept.c.sequence_base,
            kept.c.uid,
            kept.c.starts_on,
            kept.c.ends_on,
            kept.c.kept_until,
        )
        .join(_visitors, _visitors.c.id == kept.c.visitor_id)
        .order_by(kept.c.id)
    ).all()
    back: dict[tuple[str, int], list[list[str]]] = {}
    for visitor, base, uid, a, z, until in rows:
        days = [d if isinstance(d, str) else d.isoformat() for d in (a, z, until)]
        back.setdefault((visitor, int(base)), []).append([uid, *days])
    now = dt.datetime.now(dt.UTC)
    for (visitor, base), events in sorted(back.items()):
        conn.execute(
            sa.insert(_events).values(
                at=now,
                actor=ACTOR,
                action="update",
                entity="visitor",
                entity_id=visitor,
                detail={"table": CALENDAR, "base": base, "cancelled": events},
            )
        )
    op.drop_table("erased_visit_events")
