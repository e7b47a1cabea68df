"""`doorstep audit`: the trail newest first, filtered, a page at a time, as a table or a
file's rows; reading it is recorded."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine

from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv


def test_the_trail_of_a_household_is_listed_and_its_reading_recorded(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    hh = [household(household_id="H1"), household(household_id="H2")]
    assert (
        cli(
            "import", "households", str(write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
        ).exit_code
        == 0
    )
    got = cli("audit", "--household", "H1", "--format", "json")
    assert got.exit_code == 0, got.output
    events = json.loads(got.output)
    assert [(e["action"], e["entity"], e["entity_id"]) for e in events] == [
        ("create", "household", "H1")
    ]
    assert events[0]["detail"]["file"] == "h.csv"
    mark = last_event_id(with_areas)
    table = cli("audit", "--limit", "1")
    assert table.exit_code == 0, table.output
    assert "Audit trail (1)" in table.output
    assert "Older events: add --before" in table.output
    assert trail(with_areas, mark)[0][:2] == ("read", "audit_events")


def test_a_bad_period_is_refused_in_the_command_line_s_words(
    cli: Invoke, with_areas: Engine
) -> None:
    got = cli("audit", "--since", "2026-13-01")
    assert got.exit_code == 2
    assert "--since" in got.output


def test_the_trail_by_action_and_entity_names_who_erased_a_household(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    hh = [household(household_id="H1"), household(household_id="H2")]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh)
    assert cli("import", "households", str(path)).exit_code == 0
    assert cli("household", "erase", "H2", "--yes").exit_code == 0
    got = cli("audit", "--action", "delete", "--entity", "household", "--format", "json")
    assert got.exit_code == 0, got.output
    assert [(e["action"], e["entity"], e["entity_id"]) for e in json.loads(got.output)] == [
        ("delete", "household", "H2")
    ]
    wrong = cli("audit", "--action", "erase")
    assert wrong.exit_code == 2, wrong.output
    assert "no event records 'erase'" in wrong.output
