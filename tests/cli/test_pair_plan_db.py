"""Database-mode pairing and planning at the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from doorstep.cli.pair_db import certified_text
from tests.cli.conftest import Invoke


def test_a_village_is_paired_reviewed_committed_planned_and_listed(
    cli: Invoke, engine: Engine
) -> None:
    assert cli("demo", "--preset", "village", "--quiet").exit_code == 0
    with engine.connect() as conn:
        root = conn.execute(text("SELECT code FROM areas WHERE depth = 0")).scalar_one()
        consenting = conn.execute(
            text("SELECT COUNT(*) FROM households WHERE consent_state = 'given'")
        ).scalar_one()

    proposed = cli("pair", "--area", root, "--quiet")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.output.strip().splitlines()[-1])
    assert summary["paired"] == consenting
    assert summary["certified"] is True
    pid = summary["proposal"]

    diff = cli("pair", "diff", str(pid), "--limit", "0")
    assert diff.exit_code == 0
    assert f"{consenting} households would change visitor" in diff.output

    household = cli("pair", "show", str(pid))
    assert household.exit_code == 0
    assert "Certified optimal" in household.output

    committed = cli("pair", "commit", str(pid))
    assert committed.exit_code == 0, committed.output
    again = cli("pair", "commit", str(pid))
    assert again.exit_code == 1
    assert "is committed; only an open one commits" in again.output

    with engine.connect() as conn:
        hid = conn.execute(
            text(
                "SELECT h.external_id FROM pairings p JOIN households h ON h.id = p.household_id "
                "ORDER BY p.id LIMIT 1"
            )
        ).scalar_one()
    explained = cli("pair", "explain", hid)
    assert explained.exit_code == 0, explained.output
    assert f"Household {hid}: visitor" in explained.output

    planned = cli("plan", "--area", root, "--start", "2027-01-04", "--months", "6", "--quiet")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.output.strip().splitlines()[-1])
    assert plan["pairings"] == consenting
    assert plan["compliant_pairings"] == consenting
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT COUNT(*) FROM visits WHERE status = 'planned'")
        ).scalar_one()
    assert stored == plan["visits"]

    upcoming = cli(
        "visits", "upcoming", "--today", "2027-01-04", "--days", "200", "--format", "json"
    )
    assert upcoming.exit_code == 0
    assert len(json.loads(upcoming.output)) == plan["visits"]


def test_an_unknown_area_is_one_red_line(cli: Invoke) -> None:
    result = cli("pair", "--area", "NOWHERE")
    assert result.exit_code == 1
    assert "no area with code 'NOWHERE'" in result.output


def test_a_stopped_proposal_says_which_limit_and_how_far_from_the_least_cost() -> None:
    assert certified_text({"certified": True}) == "yes"
    stopped = {"certified": False, "stopped_by": "max_arcs", "total_cost": 1050, "cost_gap": 50}
    assert certified_text(stopped) == (
        "NO (stopped by max_arcs; cost at most 5.00 % above the least)"
    )
    unknown = {"certified": False, "stopped_by": "time_limit", "total_cost": 900, "cost_gap": None}
    assert certified_text(unknown) == "NO (stopped by time_limit)"
