"""A team has one lead: a file that would give it a second is refused, naming the rows,
whether the other lead is in the file or stored already."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from tests.factories.db import import_teams, rejected, run_import
from tests.factories.files import VISITOR_HEADER, visitor, write_csv


def _leads(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id FROM team_members m JOIN visitors v ON v.id = m.visitor_id"
                " WHERE m.is_lead ORDER BY v.external_id"
            )
        )
        return list(rows.scalars())


def _file(tmp_path: Path, *rows: dict[str, object]) -> Path:
    return write_csv(tmp_path / "v.csv", VISITOR_HEADER, list(rows))


def test_two_leads_of_one_team_in_a_file_are_refused_naming_both_rows(
    with_areas: Engine, tmp_path: Path
) -> None:
    import_teams(with_areas, tmp_path, "T1", "T2")
    path = _file(
        tmp_path,
        visitor(visitor_id="V1", team_code="T1", is_team_lead="true"),
        visitor(visitor_id="V2", team_code="T2", is_team_lead="true"),
        visitor(visitor_id="V3", team_code="T1", is_team_lead="true"),
    )
    reason = (
        "team T1 would have 2 leads (rows 2, 4); a team has one lead: set is_team_lead to "
        "false for all but one"
    )
    assert rejected(with_areas, "visitors", path) == [
        f"row 2, column is_team_lead: {reason}",
        f"row 4, column is_team_lead: {reason}",
    ]
    assert _leads(with_areas) == []


def test_a_second_lead_beside_a_stored_one_is_refused_and_a_handover_is_not(
    with_areas: Engine, tmp_path: Path
) -> None:
    import_teams(with_areas, tmp_path, "T1")
    run_import(
        with_areas,
        "visitors",
        _file(tmp_path, visitor(visitor_id="V1", team_code="T1", is_team_lead="true")),
    )
    second = _file(tmp_path, visitor(visitor_id="V2", team_code="T1", is_team_lead="true"))
    assert rejected(with_areas, "visitors", second) == [
        "row 2, column is_team_lead: team T1 would have 2 leads (row 2 and a "
        "lead already stored, whose row the file does not change); a team has one lead: set "
        "is_team_lead to false for all but one"
    ]
    # The stored lead kept by an empty cell counts too.
    kept = _file(
        tmp_path,
        visitor(visitor_id="V1", team_code="T1", is_team_lead=""),
        visitor(visitor_id="V2", team_code="T1", is_team_lead="true"),
    )
    assert len(rejected(with_areas, "visitors", kept)) == 1
    handover = _file(
        tmp_path,
        visitor(visitor_id="V1", team_code="T1", is_team_lead="false"),
        visitor(visitor_id="V2", team_code="T1", is_team_lead="true"),
    )
    run_import(with_areas, "visitors", handover)
    assert _leads(with_areas) == ["V2"]
