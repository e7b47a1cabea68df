"""Household outcomes counted in the database, on both databases: income per head against
the poverty line, work and services, by area for a year and for the whole area by year."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import InvalidInput, NotFound
from doorstep.reports.outcomes import OutcomeFigures
from doorstep.services import household_file, outcomes
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.outcomes import INDICATOR_HEADER, indicators_programme


def _report(engine: Engine, **kw: object) -> outcomes.OutcomesReport:
    with unit_of_work(engine) as s:
        return outcomes.household_outcomes(s, actor="test", **kw)  # type: ignore[arg-type]


def _row(f: OutcomeFigures) -> tuple[object, ...]:
    return (
        f.code,
        f.year,
        f.households,
        f.reported,
        f.with_income,
        f.below_line,
        f.work_reported,
        f.in_work,
        f.with_services,
    )


def test_outcomes_by_area_for_a_year_and_for_the_whole_by_year(
    with_areas: Engine, tmp_path: Path
) -> None:
    indicators_programme(with_areas, tmp_path)
    report = _report(with_areas, area="R", level="village", year=2025)
    assert [_row(f) for f in report.by_area] == [
        ("R-C-V1", 2025, 2, 2, 2, 1, 2, 1, 1),
        ("R-C-V2", 2025, 2, 2, 1, 1, 1, 1, 1),
        ("R", 2025, 5, 5, 4, 2, 4, 3, 2),
    ]
    whole = report.by_area[-1]
    assert whole.total and whole.below_line_share == pytest.approx(2 / 4)
    assert whole.in_work_share == pytest.approx(3 / 4)
    assert whole.with_services_share == pytest.approx(2 / 5)  # an empty cell: none
    assert [_row(f) for f in report.by_year] == [
        ("R", 2025, 5, 5, 4, 2, 4, 3, 2),
        ("R", 2026, 5, 2, 2, 0, 2, 1, 1),
    ]
    # The latest year by default; at 5,000 a head H3 (9,000 for two) is below the line.
    latest = _report(with_areas, area="R", level="village", poverty_line=5_000)
    assert latest.year == 2026
    assert [(f.code, f.below_line) for f in latest.by_area] == [
        ("R-C-V1", 0),
        ("R-C-V2", 1),
        ("R", 1),
    ]
    # A line a cent higher puts H2 (16,000 for four) below it too.
    higher = _report(with_areas, area="R", year=2025, poverty_line=4_000.01)
    assert higher.by_area[-1].below_line == 3


def test_outcomes_are_read_as_counts_in_one_audited_event(
    with_areas: Engine, tmp_path: Path
) -> None:
    indicators_programme(with_areas, tmp_path)
    _report(with_areas, area="R-C", year=2025, poverty_line=3_000)
    with with_areas.connect() as conn:
        events = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events WHERE entity = 'report'"
            )
        ).all()
    assert len(events) == 1
    action, entity, entity_id, detail = events[0]
    detail = json.loads(detail) if isinstance(detail, str) else detail
    assert (action, entity, entity_id) == ("read", "report", None)
    assert detail == {
        "outcomes": True,
        "area": "R-C",
        "level": None,
        "year": 2025,
        "poverty_line": 3_000,
        "areas": 2,
    }


def test_no_indicators_give_no_year_and_bad_input_is_refused(with_areas: Engine) -> None:
    empty = _report(with_areas, area="R")
    assert empty.year is None and empty.by_area == () and empty.by_year == ()
    with pytest.raises(InvalidInput, match="positive amount"):
        _report(with_areas, area="R", poverty_line=0)
    with pytest.raises(InvalidInput, match="positive amount"):
        _report(with_areas, area="R", poverty_line=float("nan"))
    with pytest.raises(NotFound, match="no area with code 'NOPE'"):
        _report(with_areas, area="NOPE")


def test_a_services_cell_of_separators_only_is_no_service_imported_or_stored_before(
    with_areas: Engine, tmp_path: Path
) -> None:
    indicators_programme(with_areas, tmp_path)
    rows = [
        ["H1", 2024, 1, 1, ";"],
        ["H2", 2024, 1, 1, " ; "],
        ["H3", 2024, 1, 1, " Pension ; ;health;PENSION"],
    ]
    run_import(with_areas, "indicators", write_csv(tmp_path / "j.csv", INDICATOR_HEADER, rows))
    with with_areas.begin() as conn:
        stored = conn.execute(
            text(
                "SELECT services_enrolled FROM household_indicators "
                "WHERE year = 2024 ORDER BY household_id"
            )
        ).scalars()
        assert list(stored) == [None, None, "pension;health"]  # tidy: each code once
        # A cell stored as typed by an earlier version ("; " then) is none too.
        conn.execute(
            text(
                "UPDATE household_indicators SET services_enrolled = ' ; ' WHERE year = 2024 "
                "AND services_enrolled IS NULL"
            )
        )
    whole = _report(with_areas, area="R", level="village", year=2024).by_area[-1]
    assert (whole.reported, whole.with_services) == (3, 1)


@pytest.mark.parametrize(
    ("income", "members", "line"),
    [
        (12_540.9, 3, 4_180.3),  # 4,180.3 * 3 is 12,540.900000000001 in floating point
        (35_175.2, 5, 7_035.04),  # 35,175.2 / 5 is 7,035.039999999999 in floating point
    ],
)
def test_an_income_per_head_exactly_on_a_line_with_decimals_is_not_below_it(
    with_areas: Engine, tmp_path: Path, income: float, members: int, line: float
) -> None:
    """The report counted 12,540.9 for three against 4,180.3 a head as below the line, and
    the household's file said 35,175.2 for five against 7,035.04 was: each is on it, and
    both now say so, as they compare the amounts to a millionth."""
    hh = [household(household_id="H1", members=members)]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    rows = [["H1", 2025, income, "", ""]]
    run_import(with_areas, "indicators", write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows))
    report = _report(with_areas, area="R", year=2025, poverty_line=line)
    assert (report.by_area[-1].with_income, report.by_area[-1].below_line) == (1, 0)
    with unit_of_work(with_areas) as s:
        shown = household_file.household_file(
            s, "H1", actor="test", today=dt.date(2026, 1, 1), poverty_line=line
        )
    (year,) = shown["indicators"]
    assert year["below_poverty_line"] is False
