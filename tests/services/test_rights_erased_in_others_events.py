"""A household's erasure takes its id out of the events of others that name it (each change
of an exclusion is written under the visitor too, naming the household), and only from
theirs, finding them through the trail's index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from doorstep.services import exclusions, household_rights
from doorstep.storage.session import unit_of_work
from tests.factories.db import query_plan
from tests.services.pairing.tree import near_and_far


@pytest.fixture
def kept_apart(engine: Engine, tmp_path: Path) -> Engine:
    """H1 kept apart from VNEAR and, once, from VFAR; H10 (an id H1 begins) from VNEAR."""
    near_and_far(engine, tmp_path, "H1", "H10")
    with unit_of_work(engine) as s:
        exclusions.exclude(s, "H1", "VNEAR", reason="family", actor="ann")
        exclusions.exclude(s, "H10", "VNEAR", reason=None, actor="ann")
        exclusions.exclude(s, "H1", "VFAR", reason=None, actor="ann")
        exclusions.unexclude(s, "H1", "VFAR", actor="ann")
    return engine


def _visitors_events(engine: Engine) -> list[tuple[str, str, dict[str, Any]]]:
    """``(action, visitor, detail)`` of the visitors' exclusion events, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity_id, detail FROM audit_events "
                "WHERE entity = 'visitor' ORDER BY id"
            )
        ).all()
    events = [(a, i, d if isinstance(d, dict) else json.loads(d)) for a, i, d in rows]
    return [e for e in events if e[2].get("table") == "exclusions"]


def test_an_erasure_renames_the_household_in_its_visitors_exclusion_events_only(
    kept_apart: Engine,
) -> None:
    before = _visitors_events(kept_apart)
    with unit_of_work(kept_apart) as s:
        household_rights.erase_household(s, "H1", actor="manager")
    after = _visitors_events(kept_apart)
    # Each visitor's events keep what is theirs, that an exclusion was made or removed,
    # and no longer with whom; H10's, which H1's id begins, are left whole. VNEAR, still
    # kept apart from H1, is told the exclusion went with the erasure, naming no one.
    gone = {"table": "exclusions", "household": "erased household"}
    assert after == [
        ("create", "VNEAR", gone),
        ("create", "VNEAR", {"table": "exclusions", "household": "H10"}),
        ("create", "VFAR", gone),
        ("update", "VFAR", {**gone, "removed": True}),
        ("update", "VNEAR", {"table": "exclusions", "removed": True, "erased": "household"}),
    ]
    assert [e[:2] for e in before] == [e[:2] for e in after[: len(before)]]


def test_an_erasure_changes_the_trail_through_its_index(kept_apart: Engine) -> None:
    # The trail holds millions of events: read whole at each erasure, it would take
    # seconds, under the lock that pair commits wait for.
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE AUDIT_EVENTS"):
            statements.append((statement, parameters))

    event.listen(kept_apart, "before_cursor_execute", keep)
    try:
        with unit_of_work(kept_apart) as s:
            household_rights.erase_household(s, "H1", actor="manager")
    finally:
        event.remove(kept_apart, "before_cursor_execute", keep)
    # Its visitors' events, then its own (those without an outcome, then each outcome's).
    assert len(statements) == 4
    for statement, parameters in statements:
        plan = query_plan(kept_apart, statement, parameters)
        assert "ix_audit_events_entity_id" in plan, plan
        assert "SCAN audit_events" not in plan and "Seq Scan on audit_events" not in plan, plan
