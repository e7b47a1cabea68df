"""Reading the audit trail: newest first, a page at a time, by actor, person, area and day;
the reading itself recorded, under each person it showed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from doorstep.errors import InvalidInput
from doorstep.services import audit_trail, work_lists
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.services.pairing.tree import TODAY, commit, near_and_far, propose


@pytest.fixture
def people(with_areas: Engine, tmp_path: Path) -> Engine:
    """H1 in village one, H2 in village two; V1 living in village one, V2 in village two."""
    hh = [household(household_id="H1"), household(household_id="H2", area_code="R-C-V2")]
    run_import(with_areas, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V2", home_area_code="R-C-V2")]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    return with_areas


def _read(engine: Engine, **kw: object) -> audit_trail.TrailPage:
    with unit_of_work(engine) as s:
        return audit_trail.read_trail(s, actor="auditor", **kw)  # type: ignore[arg-type]


def _about(page: audit_trail.TrailPage) -> list[tuple[str, str | None]]:
    return [(e.entity, e.entity_id) for e in page.events]


def test_the_trail_is_read_newest_first_a_page_at_a_time(people: Engine) -> None:
    with people.connect() as conn:
        total = conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one()
    first = _read(people, limit=3)
    ids = [e.id for e in first.events]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert first.next_before == ids[-1]
    rest = _read(people, before=first.next_before, limit=1000)
    older = [e.id for e in rest.events]
    assert older == sorted(older, reverse=True) and max(older) < ids[-1]
    assert len(older) == total - 3  # every event but the first page's
    assert rest.next_before is None


def test_an_area_keeps_the_events_about_its_households_and_the_visitors_living_there(
    people: Engine,
) -> None:
    page = _read(people, area="R-C-V1")
    assert set(_about(page)) == {("household", "H1"), ("visitor", "V1")}
    page = _read(people, area="R-C-V2", household="H1")
    assert page.events == []
    page = _read(people, visitor="V2")
    assert set(_about(page)) == {("visitor", "V2")}


def test_by_actor_and_by_day(people: Engine) -> None:
    with people.begin() as conn:
        conn.execute(
            text("UPDATE audit_events SET at = :at WHERE entity_id = 'H2'"),
            {"at": dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)},
        )
    page = _read(people, since=dt.date(2026, 1, 5), until=dt.date(2026, 1, 5))
    assert set(_about(page)) == {("household", "H2")}
    assert _read(people, since=dt.date(2026, 1, 6), until=dt.date(2026, 1, 6)).events == []
    assert {e.actor for e in _read(people, who="test").events} == {"test"}
    assert _read(people, who="someone else").events == []
    with pytest.raises(InvalidInput, match="before the first"):
        _read(people, since=dt.date(2026, 1, 6), until=dt.date(2026, 1, 5))


def test_the_reading_is_recorded_under_each_person_it_showed(people: Engine) -> None:
    mark = last_event_id(people)
    _read(people, area="R-C-V1")
    events = trail(people, mark)
    assert events[0][:2] == ("read", "audit_events")
    assert events[0][3] == {"area": "R-C-V1", "rows": 2}
    assert {(a, e, i, d["list"]) for a, e, i, d in events[1:]} == {
        ("read", "household", "H1", "audit"),
        ("read", "visitor", "V1", "audit"),
    }


def test_an_area_keeps_the_lists_plans_and_proposals_of_its_areas(
    engine: Engine, tmp_path: Path
) -> None:
    """Events that name no one person but an area, a team, a visitor or a proposal are that
    area's: a manager of county A reads A1's lists and proposals, not B1's nor the region's."""
    near_and_far(engine, tmp_path)
    rows = [["TA", "Team A", "A1", "2026-01-01"], ["TB", "Team B", "B1", "2026-01-01"]]
    path = write_csv(tmp_path / "t.csv", ["code", "name", "area_code", "starts_on"], rows)
    run_import(engine, "teams", path)
    a1 = propose(engine, "A1")
    commit(engine, a1.id)
    propose(engine, "R")
    mark = last_event_id(engine)
    with unit_of_work(engine) as s:
        for where in ({"area": "A1"}, {"area": "B1"}, {"area": "R"}, {"team": "TA"}):
            work_lists.work_list(s, "due", actor="lister", today=TODAY, **where)
        work_lists.work_list(s, "due", actor="lister", today=TODAY, visitor="VFAR")
        work_lists.work_list(s, "due", actor="lister", today=TODAY, team="TB")
    with engine.connect() as conn:
        events = (
            conn.execute(
                text("SELECT id FROM audit_events WHERE entity = 'visits' AND id > :m ORDER BY id"),
                {"m": mark},
            )
            .scalars()
            .all()
        )
    a1_list, b1_list, r_list, ta_list, vfar_list, tb_list = events

    def kept(area: str) -> set[tuple[str, str | None]]:
        page = _read(engine, area=area, limit=1000)
        return {(e.entity, e.entity_id) for e in page.events if e.entity != "visits"} | {
            ("visits", str(e.id)) for e in page.events if e.entity == "visits"
        }

    county = kept("A")
    assert {("visits", str(i)) for i in (a1_list, ta_list, vfar_list)} <= county
    assert not {("visits", str(i)) for i in (b1_list, r_list, tb_list)} & county
    assert ("pairing_proposal", str(a1.id)) in county  # its making and its commit
    assert [e for e in _read(engine, area="A", limit=1000).events if e.entity_id == str(a1.id)]
    assert ("pairing_proposal", str(a1.id)) not in kept("B")
    assert ("visits", str(b1_list)) in kept("B1") and ("visits", str(tb_list)) in kept("B")
    assert ("visits", str(r_list)) in kept("R")


def test_by_action_and_by_what_it_is_about(people: Engine) -> None:
    _read(people, household="H1")  # a reading: one read of audit_events, one of H1
    reads = _read(people, action="read", limit=1000)
    assert {(e.action, e.entity) for e in reads.events} == {
        ("read", "audit_events"),
        ("read", "household"),
    }
    made = _read(people, action="create", entity="visitor", limit=1000)
    assert {(e.entity, e.entity_id) for e in made.events} == {("visitor", "V1"), ("visitor", "V2")}
    imports = _read(people, action="import", limit=1000)
    assert [e.entity for e in imports.events] == ["visitors", "households", "areas"]
    assert _read(people, entity="visit_plan").events == []
    with pytest.raises(InvalidInput, match="no event records 'erase': give one of read, create"):
        _read(people, action="erase")
