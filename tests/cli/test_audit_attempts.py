"""A command that reads or writes personal data and does not complete leaves one event in
the trail, written after its rollback, saying it was refused or failed, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)
from tests.factories.visits import PLAN_START


def _trail(engine: Engine) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """(action, entity, entity_id, detail) of every event, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity, entity_id, detail FROM audit_events ORDER BY id")
        ).all()
    return [(a, e, i, d if isinstance(d, dict) else json.loads(d)) for a, e, i, d in rows]


def test_an_import_refused_for_a_bad_row_is_one_refused_import_event(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    before = _trail(with_areas)
    rows = [
        household(household_id="H1", head_name="Qiu Xiaohong"),
        household(household_id="H2", members="x"),
    ]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    result = cli("import", "households", str(path))
    assert result.exit_code == 2
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM households")).scalar_one() == 0
    # Nothing of the file in the trail: not its cells (a name), only how many errors.
    assert _trail(with_areas) == [
        *before,
        (
            "import",
            "households",
            None,
            {"file": "h.csv", "outcome": "refused", "error": "ImportRejected", "errors": 1},
        ),
    ]


def _paired(engine: Engine, tmp_path: Path, *, until: str | None) -> None:
    """V1 and H1 imported, and paired from 2026-01-01 ``until`` (None: open): a visitor
    with a household, whose erasure is refused."""
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()]))
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pairings (visitor_id, household_id, started_on, ended_on) "
                "SELECT v.id, h.id, '2026-01-01', :until FROM visitors v, households h"
            ),
            {"until": until},
        )


def test_a_refused_visitor_erasure_is_recorded_and_listed_in_their_export(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _paired(with_areas, tmp_path, until=None)
    busy = cli("visitor", "erase", "V1", "--yes")
    assert busy.exit_code == 1
    action, entity, entity_id, detail = _trail(with_areas)[-1]
    assert (action, entity, entity_id) == ("delete", "visitor", "V1")
    assert detail["outcome"] == "refused"
    assert detail["error"].startswith("visitor V1 still looks after households: 1 current ")
    exported = json.loads(cli("visitor", "export", "V1").output)
    assert [e["detail"].get("outcome") for e in exported["records"]["audit_events"]] == [
        None,  # the import that wrote V1
        "refused",  # the erasure tried
    ]


def test_a_refused_household_erasure_is_recorded(cli: Invoke, with_areas: Engine) -> None:
    result = cli("household", "erase", "H9", "--yes")
    assert result.exit_code == 1
    assert _trail(with_areas)[-1] == (
        "delete",
        "household",
        "H9",
        {"outcome": "refused", "error": "no household with id 'H9'"},
    )


def test_an_erasure_not_confirmed_touches_no_data_and_records_nothing(
    cli: Invoke, with_areas: Engine
) -> None:
    before = _trail(with_areas)
    assert cli("household", "erase", "H9").exit_code == 2
    assert _trail(with_areas) == before


def test_a_command_that_completes_records_no_outcome(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    assert cli("import", "households", str(path)).exit_code == 0
    assert all("outcome" not in detail for *_, detail in _trail(with_areas))


@pytest.mark.parametrize("command", ["record", "missed"])
def test_a_refused_visit_record_is_recorded_under_the_household(
    cli: Invoke, with_areas: Engine, command: str
) -> None:
    result = cli("visits", command, "H9", "--visitor", "V9", "--start", "2026-01-05")
    assert result.exit_code == 1, result.output
    action, entity, entity_id, detail = _trail(with_areas)[-1]
    assert (entity, entity_id, detail["outcome"]) == ("household", "H9", "refused")
    assert (action, detail["visitor"], detail["start"]) == (
        "create" if command == "record" else "update",
        "V9",
        "2026-01-05",
    )


def test_a_refused_commit_or_plan_is_recorded(cli: Invoke, with_areas: Engine) -> None:
    assert cli("pair", "commit", "99", "--quiet").exit_code == 1
    action, entity, entity_id, detail = _trail(with_areas)[-1]
    assert (action, entity, entity_id, detail["outcome"]) == (
        "update",
        "pairing_proposal",
        "99",
        "refused",
    )
    result = cli("plan", "--area", "NOWHERE", "--start", PLAN_START, "--quiet")
    assert result.exit_code == 1, result.output
    action, entity, entity_id, detail = _trail(with_areas)[-1]
    assert (action, entity, detail["area"], detail["outcome"]) == (
        "create",
        "visit_plan",
        "NOWHERE",
        "refused",
    )


def test_a_refused_erasure_of_an_unknown_id_does_not_make_it_an_erased_households(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    assert cli("household", "erase", "H9", "--yes").exit_code == 1
    pair = write_csv(tmp_path / "x.csv", ["household_id", "visitor_id"], [["H9", "V1"]])
    result = cli("import", "exclusions", str(pair))
    assert result.exit_code == 2, result.output
    # No household ever held H9: it is unknown, not erased.
    assert "(value 'H9'): unknown household; import the households first" in result.output
    assert "erased" not in result.output


def test_a_refused_visitor_erasure_keeps_its_outcome_when_the_visitor_is_erased(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _paired(with_areas, tmp_path, until="2099-01-01")
    assert cli("visitor", "erase", "V1", "--yes").exit_code == 1
    with with_areas.begin() as conn:
        conn.execute(text("UPDATE pairings SET ended_on = '2026-02-01'"))
    result = cli("visitor", "erase", "V1", "--yes")
    assert result.exit_code == 0, result.output
    # The refusal's detail is cleared with the visitor's other events, but not whether it
    # was refused: a reader must not take it for an erasure that was done.
    assert [(a, d) for a, e, i, d in _trail(with_areas) if e == "visitor"] == [
        ("create", {"redacted": "visitor erased"}),
        ("delete", {"redacted": "visitor erased", "outcome": "refused"}),
        ("delete", {"erased": {"visitors": 1}, "kept": {"pairings": 1}}),
    ]


def test_a_refused_exclusion_or_removal_is_recorded_under_the_household(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    assert cli("pair", "exclude", "H1", "V9", "--reason", "x").exit_code == 1
    assert _trail(with_areas)[-1] == (
        "create",
        "household",
        "H1",
        {
            "table": "exclusions",
            "visitor": "V9",
            "outcome": "refused",
            "error": "no visitor with id 'V9'",
        },
    )
    assert cli("pair", "unexclude", "H1", "V9").exit_code == 1
    assert _trail(with_areas)[-1] == (
        "update",
        "household",
        "H1",
        {
            "table": "exclusions",
            "visitor": "V9",
            "removed": True,
            "outcome": "refused",
            "error": "no visitor with id 'V9'",
        },
    )
    # The household's export lists both attempts.
    exported = json.loads(cli("household", "export", "H1").output)
    assert [e["detail"].get("outcome") for e in exported["records"]["audit_events"]] == [
        None,  # its import
        "refused",
        "refused",
    ]


def test_a_refused_exclusion_or_removal_is_listed_in_the_visitors_export_too(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor()]))
    run_import(
        with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()])
    )
    assert cli("pair", "unexclude", "H1", "V1").exit_code == 1  # not excluded
    assert cli("pair", "exclude", "H1", "V1", "--reason", "x" * 300).exit_code == 2
    assert cli("pair", "exclude", "H9", "V1").exit_code == 1  # no such household
    # Each attempt under the visitor too, naming the household, as a change done is.
    theirs = [(a, d) for a, e, i, d in _trail(with_areas) if e == "visitor" and i == "V1"][1:]
    assert theirs == [
        (
            "update",
            {
                "table": "exclusions",
                "household": "H1",
                "removed": True,
                "outcome": "refused",
                "error": "H1 and V1 are not excluded; nothing to remove",
            },
        ),
        (
            "create",
            {
                "table": "exclusions",
                "household": "H1",
                "outcome": "refused",
                "error": "the reason is too long: 300 characters, at most 200",
            },
        ),
        (
            "create",
            {
                "table": "exclusions",
                "household": "H9",
                "outcome": "refused",
                "error": "no household with id 'H9'",
            },
        ),
    ]
    exported = json.loads(cli("visitor", "export", "V1").output)
    assert [
        (e["entity"], e["detail"].get("outcome")) for e in exported["records"]["audit_events"]
    ] == [
        ("visitor", None),  # the import that wrote V1
        ("household", "refused"),  # H1's events naming V1: H1 is named by V1's own
        ("visitor", "refused"),
        ("household", "refused"),
        ("visitor", "refused"),
        ("household", "refused"),  # H9's, named by V1's own as well
        ("visitor", "refused"),
    ]
    # An id that is no one's becomes no visitor's event.
    before = _trail(with_areas)
    assert cli("pair", "exclude", "H1", "V9").exit_code == 1
    assert [e for a, e, i, d in _trail(with_areas)[len(before) :]] == ["household"]
    # Nor an erased visitor's: there is no one to keep apart, and their trail was cleared.
    assert cli("visitor", "erase", "V1", "--yes").exit_code == 0
    before = _trail(with_areas)
    assert cli("pair", "exclude", "H1", "V1").exit_code == 1
    assert [e for a, e, i, d in _trail(with_areas)[len(before) :]] == ["household"]


def test_an_export_of_visits_refused_for_all_is_recorded_and_writes_no_file(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "visits.csv"
    refused = cli("export", "visits", str(out), "--all")
    assert refused.exit_code == 2
    assert "--all is for pairings only, not visits" in refused.output
    assert not out.exists()
    assert _trail(with_areas)[-1] == (
        "export",
        "visits",
        None,
        {
            "file": "visits.csv",
            "all": True,
            "outcome": "refused",
            "error": "--all is for pairings only, not visits",
        },
    )
    done = cli("export", "pairings", str(tmp_path / "pairings.csv"), "--all")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Wrote 0 pairings to ")  # the path wraps at the width
    assert (tmp_path / "pairings.csv").read_text(encoding="utf-8").split() == [
        "household_id,visitor_id,since,distance_m,ended_on,end_reason"
    ]
    assert _trail(with_areas)[-1] == (
        "export",
        "pairings",
        None,
        {"file": "pairings.csv", "rows": 0, "all": True},
    )
