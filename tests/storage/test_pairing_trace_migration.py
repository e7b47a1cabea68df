"""Migration 0008: each pairing names the commit that ended it, each commit when it ran, and
proposed pairs are indexed by visitor; what earlier rows tell is filled in."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, select, text

from doorstep.storage.base import Base
from doorstep.storage.migrate import alembic_config, upgrade
from tests.services.pairing.tree import TODAY, add, commit, home, propose, tree, worker

LATER = TODAY + dt.timedelta(days=3)


def _columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def _indexes(engine: Engine, table: str) -> dict[str, list[str | None]]:
    return {i["name"] or "": i["column_names"] for i in inspect(engine).get_indexes(table)}


def test_the_migration_adds_the_columns_and_indexes_and_takes_them_away(engine: Engine) -> None:
    try:
        command.downgrade(alembic_config(engine), "0007")
        assert "ended_by_proposal_id" not in _columns(engine, "pairings")
        assert "committed_at" not in _columns(engine, "pairing_proposals")
        assert "ix_proposed_pairs_visitor_id" not in _indexes(engine, "proposed_pairs")
        upgrade(engine)
        assert "ended_by_proposal_id" in _columns(engine, "pairings")
        assert "committed_at" in _columns(engine, "pairing_proposals")
        assert _indexes(engine, "proposed_pairs")["ix_proposed_pairs_visitor_id"] == ["visitor_id"]
        indexed = _indexes(engine, "pairings")
        assert indexed["ix_pairings_proposal_id"] == ["proposal_id"]
        assert indexed["ix_pairings_ended_by_proposal_id"] == ["ended_by_proposal_id"]
    finally:
        upgrade(engine)  # the next tests on this database need it at head


def _params(conn: Any, proposal: int) -> dict[str, Any]:
    found = conn.execute(
        text("SELECT params FROM pairing_proposals WHERE id = :p"), {"p": proposal}
    ).scalar_one()
    return found if isinstance(found, dict) else dict(json.loads(found))


def _committed(engine: Engine, area: str, today: dt.date = TODAY) -> int:
    """The number of a new proposal for ``area``, committed."""
    proposal = propose(engine, area, today=today).id
    commit(engine, proposal, today=today)
    return proposal


def test_the_migration_fills_in_the_commits_that_the_stored_rows_tell(
    engine: Engine, tmp_path: Path
) -> None:
    tree(engine, tmp_path)
    add(engine, tmp_path, "visitors", [worker(visitor_id="VA", capacity=3)])
    add(engine, tmp_path, "households", [home(household_id="H1"), home(household_id="H2")])
    add(engine, tmp_path, "households", [home(household_id="HB", area_code="B1")])
    first, village = _committed(engine, "A"), _committed(engine, "B1")
    add(engine, tmp_path, "households", [home(household_id="H1", consent="withdrawn")])
    withdrawn = home(household_id="HB", area_code="B1", consent="withdrawn")
    add(engine, tmp_path, "households", [withdrawn])
    second, again = _committed(engine, "A", LATER), _committed(engine, "B1", LATER)
    audit = Base.metadata.tables["audit_events"]
    with engine.begin() as conn:
        # B1's second commit as one from before commits kept their day: it cannot be told.
        params = _params(conn, again)
        params.pop("committed_on")
        conn.execute(
            text("UPDATE pairing_proposals SET params = :p WHERE id = :id"),
            {"p": json.dumps(params), "id": again},
        )
        # The first commit's audit event gone: when it ran cannot be told.
        conn.execute(
            audit.delete().where(
                audit.c.entity == "pairing_proposal",
                audit.c.entity_id == str(first),
                audit.c.action == "update",
            )
        )
        events = conn.execute(
            select(audit.c.entity_id, audit.c.at).where(
                audit.c.entity == "pairing_proposal", audit.c.action == "update"
            )
        ).all()
    try:
        command.downgrade(alembic_config(engine), "0007")
        upgrade(engine)
    finally:
        upgrade(engine)
    with engine.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT h.external_id, p.proposal_id, p.ended_by_proposal_id FROM pairings p "
                "JOIN households h ON h.id = p.household_id WHERE p.ended_on IS NOT NULL "
                "ORDER BY h.external_id"
            )
        ).all()
        proposals = Base.metadata.tables["pairing_proposals"]
        rows = conn.execute(select(proposals.c.id, proposals.c.committed_at)).all()
        committed = {r[0]: r[1] for r in rows}
    assert [tuple(r) for r in ended] == [("H1", first, second), ("HB", village, None)]
    # Each commit's time is its audit event's; the first commit's event is gone.
    at = {int(e[0]): e[1] for e in events}
    assert committed == {first: None, village: at[village], second: at[second], again: at[again]}


def _plan(engine: Engine, sql: str) -> str:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            return " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        # A small table is read whole whatever its indexes: ask for the plan without that.
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        return " ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))


def test_a_visitors_proposed_pairs_are_found_through_the_index(engine: Engine) -> None:
    # As a visitor's export reads them and their erasure counts them.
    for sql in (
        "SELECT * FROM proposed_pairs WHERE visitor_id = 42 ORDER BY id",
        "SELECT COUNT(*) FROM proposed_pairs WHERE visitor_id = 42",
    ):
        plan = _plan(engine, sql)
        assert "ix_proposed_pairs_visitor_id" in plan, plan
