"""`doorstep import leave|blackouts` at the command line, and the plan that reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from tests.cli.conftest import Invoke
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START


def _planned(engine: Engine) -> dict[str, list[tuple[str, dt.date, dt.date]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT v.external_id, h.external_id, vi.planned_start, vi.planned_end "
                "FROM visits vi JOIN visitors v ON v.id = vi.visitor_id "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'planned' "
                "ORDER BY v.external_id, vi.planned_start"
            )
        ).all()
    out: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
    for v, h, a, z in rows:
        out.setdefault(v, []).append((h, _day(a), _day(z)))
    return out


def _day(value: object) -> dt.date:
    """A day as either database hands it back (SQLite: text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def test_imported_leave_re_plans_only_that_visitor(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    vv = [
        visitor(visitor_id="V1", lat=26.58, lon=107.97, capacity=2),
        visitor(visitor_id="V2", lat=26.59, lon=107.99, capacity=2),
    ]
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000, lon=107.98) for i in range(4)]
    for entity, header, rows in (
        ("visitors", VISITOR_HEADER, vv),
        ("households", HOUSEHOLD_HEADER, hh),
    ):
        path = write_csv(tmp_path / f"{entity}.csv", header, rows)
        assert cli("import", entity, str(path), "-q").exit_code == 0
    proposed = cli("pair", "--area", "R", "--quiet")
    assert proposed.exit_code == 0, proposed.output
    assert (
        cli("pair", "commit", proposed.output.split('"proposal": ')[1].split(",")[0]).exit_code == 0
    )
    plan = ("plan", "--area", "R", "--start", PLAN_START, "--months", "6", "--quiet")
    assert cli(*plan).exit_code == 0
    before = _planned(with_areas)
    _, first, last = before["V1"][0]

    leave = write_csv(
        tmp_path / "leave.csv", ["visitor_id", "starts_on", "ends_on"], [["V1", first, last]]
    )
    imported = cli("import", "leave", str(leave), "-q")
    assert imported.exit_code == 0, imported.output
    assert (
        "Imported 1 leave period from leave.csv: 1 new, 0 updated, 0 unchanged." in imported.output
    )
    assert cli("import", "leave", str(leave), "-q").output.startswith(
        "Imported 1 leave period from leave.csv: 0 new, 0 updated, 1 unchanged."
    )
    assert cli(*plan).exit_code == 0
    after = _planned(with_areas)
    assert after["V2"] == before["V2"]
    assert after["V1"] != before["V1"]
    assert all(z < first or a > last for _, a, z in after["V1"])


def test_a_bad_row_exits_2_names_it_and_writes_nothing(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")])
    assert cli("import", "households", str(path), "-q").exit_code == 0
    rows = [["H1", "2027-09-01", "2027-09-30", "harvest"], ["H1", "2027-09-20", "2027-10-02", ""]]
    bad = write_csv(tmp_path / "b.csv", ["household_id", "starts_on", "ends_on", "reason"], rows)
    result = cli("import", "blackouts", str(bad), "-q")
    assert result.exit_code == 2
    assert "b.csv: 1 error; nothing was imported" in result.output
    assert "row 3, column starts_on (value '2027-09-20'): overlaps row 2" in result.output
    assert (tmp_path / "b.csv.errors.csv").exists()
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM household_blackouts")).scalar_one() == 0


def test_replace_is_only_for_calendars(cli: Invoke, with_areas: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H1")])
    result = cli("import", "households", str(path), "--replace")
    assert result.exit_code == 2
    assert "--replace is for leave and blackouts, not households" in result.output
