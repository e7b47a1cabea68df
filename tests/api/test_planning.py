"""Planning an area over the API: the visits `doorstep plan --area` would write for the same
options, its summary, the first pairings that miss their cadence, and the trail as the
command line keeps it; another area's coordinator, a visitor's account and bad options are
refused, and a refused plan is recorded as tried."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from doorstep.services import planning
from doorstep.services.planning_settings import area_settings
from tests.api.conftest import TODAY, Headers
from tests.factories.audit import Event, last_event_id, trail

PLANS = "/api/v1/plans"
#: Options far from the defaults, so that each must reach the planner: a 10-day cadence
#: of 5-day stays that one visitor cannot keep at three households (some miss it), China's
#: holidays, weekdays only and a staffing cap.
OPTIONS: dict[str, Any] = {
    "months": 3,
    "max_gap_days": 10,
    "stay_days": 5,
    "country": "CN",
    "staff_cap": 0.3,
    "working_days": "mon-fri",
    "seed": 3,
}


def planned(conn: Any) -> list[tuple[Any, ...]]:
    """Every visit: household, visitor, days, status and the plan that laid it."""
    rows = conn.execute(
        text(
            "SELECT h.external_id, v.external_id, vi.planned_start, vi.planned_end, vi.status, "
            "vi.planned_from FROM visits vi JOIN households h ON h.id = vi.household_id "
            "JOIN visitors v ON v.id = vi.visitor_id "
            "ORDER BY h.external_id, vi.planned_start, v.external_id"
        )
    ).all()
    return [tuple(str(x) for x in r) for r in rows]


def by_service(engine: Engine, area: str, **options: Any) -> tuple[Any, list[Any], list[Event]]:
    """What the service writes for ``options`` on today's programme, and then rolls back: its
    summary, every visit after it, and its events (actor left out)."""
    before = last_event_id(engine)
    with Session(engine) as s:
        settings = area_settings(start=TODAY, today=TODAY, **options)
        summary = planning.plan_area(s, area, settings, actor="test", today=TODAY)
        s.flush()
        rows = planned(s.connection())
        events = s.connection().execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events WHERE id > :a "
                "ORDER BY id"
            ),
            {"a": before},
        )
        got = [(a, e, i, d if isinstance(d, dict) else json.loads(d)) for a, e, i, d in events]
        s.rollback()
    return summary, rows, got


def test_a_plan_over_the_api_writes_the_visits_the_service_writes_for_the_same_options(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    summary, expected, service_events = by_service(programme, "R-C-V1", **OPTIONS)
    assert summary.infeasible > 0  # the options bite: the list below is not empty
    before = last_event_id(programme)
    r = client.post(PLANS, json={"area": "R-C-V1", **OPTIONS}, headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    with programme.connect() as conn:
        assert planned(conn) == expected
    got = r.json()
    assert (got["area"], got["start"], got["months"], got["max_gap_days"]) == (
        "R-C-V1",
        TODAY.isoformat(),
        3,
        10,
    )
    assert (got["pairings"], got["visits"], got["kept"], got["removed"]) == (
        summary.pairings,
        summary.visits,
        summary.kept,
        summary.replaced,
    )
    assert got["new"] == summary.visits - summary.kept
    assert (got["compliant_pairings"], got["infeasible"]) == (
        summary.compliant_pairings,
        summary.infeasible,
    )
    assert got["not_met"] == summary.reasons and got["not_planned"] == summary.not_planned
    assert got["unmet_total"] == summary.unmet.height == summary.infeasible
    assert [(u["household"], u["visitor"], u["reason"]) for u in got["unmet"]] == [
        (h, v, why)
        for h, v, why in summary.unmet.select("household_id", "visitor_id", "reason").iter_rows()
    ]
    # The trail: the plan's own events as the service (so `plan --area`) records them,
    # under the account, then the list's read and a read under each one it shows.
    events = trail(programme, before)
    assert events[: len(service_events)] == service_events
    with programme.connect() as conn:
        actors = conn.execute(
            text("SELECT DISTINCT actor FROM audit_events WHERE id > :a"), {"a": before}
        ).all()
    assert actors == [("api:v1-coord",)]
    listed = events[len(service_events) :]
    assert listed[0] == (
        "read",
        "visits",
        None,
        {
            "list": "compliance",
            "area": "R-C-V1",
            "start": TODAY.isoformat(),
            "rows": summary.infeasible,
            "total": summary.infeasible,
        },
    )
    shown = {(e[1], e[2]) for e in listed[1:]}
    assert shown == {("household", u["household"]) for u in got["unmet"]} | {
        ("visitor", u["visitor"]) for u in got["unmet"]
    }
    assert all(e[0] == "read" and e[3] == {"list": "compliance"} for e in listed[1:])


def test_only_the_unmet_pairings_shown_are_read_in_the_trail(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    before = last_event_id(programme)
    body = {"area": "R-C-V1", **OPTIONS, "unmet_limit": 1}
    got = client.post(PLANS, json=body, headers=auth("boss")).json()
    assert got["unmet_total"] > 1 and len(got["unmet"]) == 1
    first = got["unmet"][0]
    reads = [e for e in trail(programme, before) if e[0] == "read"]
    assert reads[0][3]["rows"] == 1 and reads[0][3]["total"] == got["unmet_total"]
    assert {(e[1], e[2]) for e in reads[1:]} == {
        ("household", first["household"]),
        ("visitor", first["visitor"]),
    }


def test_the_defaults_plan_from_today_for_twelve_months(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    _, expected, _ = by_service(programme, "R-C-V1")
    got = client.post(PLANS, json={"area": "R-C-V1"}, headers=auth("v1-coord"))
    assert got.status_code == 200, got.text
    assert (got.json()["start"], got.json()["months"]) == (TODAY.isoformat(), 12)
    with programme.connect() as conn:
        assert planned(conn) == expected


def refused_plans(engine: Engine, after: int) -> list[Event]:
    return [e for e in trail(engine, after) if e[1] == "visit_plan"]


@pytest.mark.parametrize(
    ("who", "area", "why"),
    [
        ("v2-coord", "R-C-V1", "area R-C-V1 is outside account v2-coord's area R-C-V2"),
        ("v1-coord", "R", "area R is outside account v1-coord's area R-C-V1"),
        ("v1", "R-C-V1", "account v1 is a visitor's: planning an area's visits is for"),
    ],
)
def test_a_plan_outside_the_account_s_scope_is_refused_and_recorded_as_tried(
    client: TestClient, programme: Engine, auth: Headers, who: str, area: str, why: str
) -> None:
    with programme.connect() as conn:
        was = planned(conn)
    before = last_event_id(programme)
    r = client.post(PLANS, json={"area": area}, headers=auth(who))
    assert r.status_code == 403
    assert why in r.json()["detail"]
    with programme.connect() as conn:
        assert planned(conn) == was
    (event,) = trail(programme, before)
    assert event[:3] == ("create", "visit_plan", None)
    assert event[3]["outcome"] == "refused"
    assert (event[3]["area"], event[3]["start"]) == (area, TODAY.isoformat())


def test_options_the_types_refuse_are_422_naming_the_field_and_write_nothing(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    before = last_event_id(programme)

    def refused(**body: Any) -> str:
        r = client.post(PLANS, json={"area": "R-C-V1", **body}, headers=auth("v1-coord"))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        return str(r.json()["detail"])

    assert "body.staff_cap:" in refused(staff_cap=1.5)
    assert "body.months:" in refused(months=0)
    assert "body.max_gap_days:" in refused(max_gap_days=0)
    assert "body.start:" in refused(start="2027-02-30")
    assert "body.working_days: Value error, not a weekday list" in refused(working_days="x")
    assert "body.max_km:" in refused(max_km=5)  # a pairing setting: extra="forbid"
    assert trail(programme, before) == []  # refused before the route runs


def test_options_the_planning_rules_refuse_are_422_in_the_api_s_words_and_recorded(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    before = last_event_id(programme)

    def refused(**body: Any) -> str:
        r = client.post(PLANS, json={"area": "R-C-V1", **body}, headers=auth("v1-coord"))
        assert r.status_code == 422, r.text
        return str(r.json()["detail"])

    assert "start 2027-02-28 is before today (2027-03-01)" in refused(start="2027-02-28")
    assert "country 'XX' is not a country with known holidays" in refused(country="XX")
    assert "subdivision needs country" in refused(subdivision="CA")
    assert "stay_days (5) cannot exceed max_gap_days (4)" in refused(max_gap_days=4, stay_days=5)
    tried = refused_plans(programme, before)
    assert len(tried) == 4
    assert all(e[3]["outcome"] == "refused" for e in tried)
    assert tried[1][3]["error"].startswith("country 'XX' is not a country")


def test_an_unknown_area_is_not_found(client: TestClient, auth: Headers) -> None:
    r = client.post(PLANS, json={"area": "NOWHERE"}, headers=auth("boss"))
    assert r.status_code == 404, r.text
