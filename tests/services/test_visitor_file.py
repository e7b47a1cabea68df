"""A visitor's file: their caseload, households with deadlines (as the due list measures),
leave and visits; an area's view holds only its own households; every household it names
is read in the audit trail."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from doorstep.errors import NotFound
from doorstep.services import visitor_rights
from doorstep.services.visit_records import MadeVisit, record_visit
from doorstep.services.visitor_file import visitor_file
from doorstep.services.work_lists import work_list
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import area_tree, run_import
from tests.factories.files import write_csv
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned, plan_three


def _file(engine: Engine, visitor: str, today: dt.date, **options: Any) -> dict[str, Any]:
    with unit_of_work(engine) as s:
        return visitor_file(s, visitor, actor="coord", today=today, **options)


@pytest.fixture
def planned(with_areas: Engine, tmp_path: Path, prebuilt: Prebuilt) -> Engine:
    """``plan_three``: H0-H2 with V1 (capacity 3) from 2027-01-04, planned for four months;
    V2 paired with no one."""
    prebuilt(with_areas, tmp_path, plan_three, over=area_tree)
    return with_areas


def test_the_file_lists_the_visitor_s_households_by_deadline_as_the_due_list_does(
    planned: Engine,
) -> None:
    first, last = first_planned(planned, "H0")
    today = last + dt.timedelta(days=1)
    with unit_of_work(planned) as s:
        made = MadeVisit(household="H0", visitor="V1", start=first, end=last)
        record_visit(s, made, actor="v1", today=today)
    file = _file(planned, "V1", today, visits=2)
    v = file["visitor"]
    assert (v["visitor"], v["name"], v["home_area"], v["capacity"]) == ("V1", "Li Wei", "R-C-V1", 3)
    assert file["caseload"] == {"households": 3, "capacity": 3}
    with unit_of_work(planned) as s:
        listed = work_list(s, "due", actor="t", today=today, visitor="V1", days=366)
    assert [(r["household"], r["deadline"]) for r in file["households"]] == [
        (r["household"], r["deadline"]) for r in listed
    ]
    assert {r["household"] for r in file["households"]} == {"H0", "H1", "H2"}
    [h0] = [r for r in file["households"] if r["household"] == "H0"]
    assert (h0["last_visit"], h0["deadline"]) == (first, first + dt.timedelta(days=60))
    assert file["households_elsewhere"] == 0
    assert file["visits_made"][0] == {
        "status": "done",
        "start": first,
        "end": last,
        "household": "H0",
        "head_name": "Wang Fang",
    }
    assert len(file["visits_planned"]) == 2 and file["visits_planned_total"] >= 2
    # V2 looks after no one.
    idle = _file(planned, "V2", today)
    assert idle["caseload"] == {"households": 0, "capacity": 0}
    assert idle["households"] == idle["visits_made"] == idle["visits_planned"] == []


def test_an_area_s_view_holds_only_its_households_and_counts_the_others(
    planned: Engine, tmp_path: Path
) -> None:
    rows = [["V1", "2027-02-01", "2027-02-10"], ["V1", "2026-12-01", "2026-12-05"]]
    leave = write_csv(tmp_path / "l.csv", ["visitor_id", "starts_on", "ends_on"], rows)
    run_import(planned, "leave", leave)
    today = dt.date(2027, 1, 10)
    whole = _file(planned, "V1", today)
    # Leave over by today is not shown.
    assert whole["leave"] == [{"starts_on": dt.date(2027, 2, 1), "ends_on": dt.date(2027, 2, 10)}]
    # R-C-V2 holds none of V1's households.
    other = _file(planned, "V1", today, area_path=_path(planned, "R-C-V2"))
    assert other["households"] == other["visits_planned"] == other["visits_made"] == []
    assert other["households_elsewhere"] == 3
    assert other["caseload"] == whole["caseload"]
    own = _file(planned, "V1", today, area_path=_path(planned, "R-C-V1"))
    assert own["households"] == whole["households"] and own["households_elsewhere"] == 0


def _path(engine: Engine, code: str) -> str:
    from sqlalchemy import text

    with engine.connect() as conn:
        return str(
            conn.execute(text("SELECT path FROM areas WHERE code = :c"), {"c": code}).scalar_one()
        )


def test_reading_the_file_is_a_read_of_the_visitor_and_of_each_household_shown(
    planned: Engine,
) -> None:
    mark = last_event_id(planned)
    _file(planned, "V1", dt.date(2027, 1, 10))
    events = [(a, e, i, d) for a, e, i, d in trail(planned, mark)]
    assert events[0] == ("read", "visitor", "V1", {"file": "visitor", "today": "2027-01-10"})
    assert sorted(events[1:]) == [
        ("read", "household", h, {"file": "visitor"}) for h in ("H0", "H1", "H2")
    ]
    mark = last_event_id(planned)
    _file(planned, "V1", dt.date(2027, 1, 10), area_path=_path(planned, "R-C-V2"))
    assert [(e, i) for _, e, i, _ in trail(planned, mark)] == [("visitor", "V1")]


def test_an_unknown_or_erased_visitor_has_no_file(planned: Engine) -> None:
    with pytest.raises(NotFound, match="no visitor with id 'V9'"):
        _file(planned, "V9", dt.date(2027, 1, 10))
    with unit_of_work(planned) as s:
        visitor_rights.erase_visitor(s, "V2", actor="t")
    with pytest.raises(NotFound, match="V2 was erased"):
        _file(planned, "V2", dt.date(2027, 1, 10))
