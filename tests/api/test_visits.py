"""Work lists and recorded visits over the API, each within the caller's scope, audited
under the account."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.api.work_list_schemas import DueListed, PlannedVisitListed
from doorstep.domain.work_lists import DEFAULT_DAYS, KINDS
from doorstep.services import work_lists
from doorstep.storage.session import unit_of_work
from tests.api.conftest import TODAY, Headers, documented


def _events(engine: Engine, actor: str) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, entity, entity_id FROM audit_events WHERE actor = :a ORDER BY id"),
            {"a": actor},
        ).all()
    return [(str(a), str(e), None if i is None else str(i)) for a, e, i in rows]


def _visits(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT id, status, actual_start, client_uuid FROM visits ORDER BY id")
            )
        ]


def test_a_coordinator_lists_its_area_and_the_list_is_audited_under_its_account(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    r = client.get("/api/v1/visits/upcoming", params={"days": 60}, headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["kind"], body["today"], body["area"]) == ("upcoming", str(TODAY), "R-C-V1")
    assert {row["household"] for row in body["rows"]} == {"H0", "H1", "H2"}
    events = _events(programme, "api:v1-coord")
    assert ("read", "visits", None) in events
    assert {e[2] for e in events if e[1] == "household"} == {"H0", "H1", "H2"}


def test_another_village_s_coordinator_sees_none_of_them_and_may_not_look_up(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    r = client.get("/api/v1/visits/upcoming", params={"days": 60}, headers=auth("v2-coord"))
    assert r.status_code == 200
    assert r.json()["rows"] == []
    up = client.get("/api/v1/visits/upcoming", params={"area": "R-C"}, headers=auth("v2-coord"))
    assert up.status_code == 403
    assert up.json()["detail"] == "area R-C is outside account v2-coord's area R-C-V2"
    assert not [e for e in _events(programme, "api:v2-coord") if e[1] == "household"]


def test_a_visitor_lists_its_own_work_only(client: TestClient, auth: Headers) -> None:
    own = client.get("/api/v1/visits/upcoming", params={"days": 60}, headers=auth("v1"))
    assert own.json()["visitor"] == "V1"
    assert {row["household"] for row in own.json()["rows"]} == {"H0", "H1", "H2"}
    assert client.get("/api/v1/visits/upcoming", headers=auth("v2")).json()["rows"] == []
    other = client.get("/api/v1/visits/due", params={"visitor": "V1"}, headers=auth("v2"))
    assert other.status_code == 403
    area = client.get("/api/v1/visits/due", params={"area": "R"}, headers=auth("v1"))
    assert area.status_code == 403


def test_an_unknown_list_is_refused_by_validation(client: TestClient, auth: Headers) -> None:
    assert client.get("/api/v1/visits/someday", headers=auth("boss")).status_code == 422


def test_a_visitor_records_a_visit_once_however_often_the_phone_sends_it(
    client: TestClient,
    programme: Engine,
    auth: Headers,
    first_visit: tuple[dt.date, dt.date],
) -> None:
    first, last = first_visit
    body = {
        "household": "H0",
        "visitor": "V1",
        "start": str(first),
        "end": str(last),
        "visit_id": "phone-1-0001",
        "activities": ["job_search"],
    }
    made = client.post("/api/v1/visits", json=body, headers=auth("v1"))
    assert made.status_code == 201, made.text
    assert made.json()["visit_id"] == "phone-1-0001"
    assert made.json()["recorded"] is True
    assert made.json()["planned_from"] == str(first)
    after = _visits(programme)
    again = client.post("/api/v1/visits", json=body, headers=auth("v1"))
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    assert _visits(programme) == after
    assert [v[1] for v in after if v[3] == "phone-1-0001"] == ["done"]
    moved = client.post(
        "/api/v1/visits",
        json={**body, "start": str(first - dt.timedelta(days=1))},
        headers=auth("v1"),
    )
    assert moved.status_code == 409
    assert "changed by POST /api/v1/imports/visits" in moved.json()["detail"]
    assert ("create", "household", "H0") in _events(programme, "api:v1")


def test_a_blank_visit_id_is_none_and_the_api_gives_each_visit_its_own(
    client: TestClient, programme: Engine, auth: Headers, first_visit: tuple[dt.date, dt.date]
) -> None:
    # The schema fuzz recorded a visit under the id "": kept as an id, the next visit sent
    # with a blank one (a form's empty field) was refused as recorded for another visit.
    first, last = first_visit
    ids = []
    for start in (first, last + dt.timedelta(days=1)):
        body = {"household": "H0", "visitor": "V1", "start": str(start), "visit_id": " "}
        made = client.post("/api/v1/visits", json=body, headers=auth("v1"))
        assert made.status_code == 201, made.text
        ids.append(made.json()["visit_id"])
    assert "" not in ids and len(set(ids)) == 2
    assert [v for v in _visits(programme) if v[3] in ("", " ")] == []


def test_a_visit_is_not_recorded_for_another_visitor_nor_outside_the_area(
    client: TestClient,
    programme: Engine,
    auth: Headers,
    first_visit: tuple[dt.date, dt.date],
) -> None:
    body = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    before = _visits(programme)
    as_v2 = client.post("/api/v1/visits", json=body, headers=auth("v2"))
    assert as_v2.status_code == 403
    assert as_v2.json()["detail"] == "account v2 records the visits of visitor V2 only"
    outside = client.post("/api/v1/visits", json=body, headers=auth("v2-coord"))
    assert outside.status_code == 403
    assert "outside account v2-coord's area R-C-V2" in outside.json()["detail"]
    assert _visits(programme) == before
    # Each refusal is in the trail, under the household it was about.
    with programme.connect() as conn:
        refused = conn.execute(
            text(
                "SELECT actor, detail FROM audit_events WHERE entity = 'household' "
                "AND entity_id = 'H0' AND action = 'create' AND actor LIKE 'api:%' ORDER BY id"
            )
        ).all()
    assert [a for a, _ in refused] == ["api:v2", "api:v2-coord"]
    details = [d if isinstance(d, dict) else json.loads(d) for _, d in refused]
    assert [d["outcome"] for d in details] == ["refused", "refused"]


def test_the_service_s_refusal_reaches_the_caller_with_its_status(
    client: TestClient, auth: Headers
) -> None:
    late = {"household": "H0", "visitor": "V1", "start": str(TODAY + dt.timedelta(days=1))}
    r = client.post("/api/v1/visits", json=late, headers=auth("v1-coord"))
    assert r.status_code == 422
    assert "record a visit once it is made" in r.json()["detail"]
    code = {"household": "H0", "visitor": "V1", "start": str(TODAY), "activities": ["nope"]}
    assert client.post("/api/v1/visits", json=code, headers=auth("v1")).status_code == 422


def test_a_planned_visit_not_made_is_marked_missed(
    client: TestClient,
    programme: Engine,
    auth: Headers,
    first_visit: tuple[dt.date, dt.date],
) -> None:
    body = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    r = client.post("/api/v1/visits/missed", json=body, headers=auth("v1-coord"))
    assert r.status_code == 204, r.text
    # Sent again (its answer lost): answered the same, marked once.
    again = client.post("/api/v1/visits/missed", json=body, headers=auth("v1-coord"))
    assert again.status_code == 204, again.text
    with programme.connect() as conn:
        status = conn.execute(
            text(
                "SELECT vi.status FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = 'H0' AND vi.planned_start = :d"
            ),
            {"d": first_visit[0]},
        ).scalar_one()
    assert status == "missed"


def test_a_visitor_s_phone_gets_its_calendar_and_no_one_else_s(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    since = {"since": "2027-01-01"}
    own = client.get("/api/v1/visits/calendar", params=since, headers=auth("v1"))
    assert own.status_code == 200, own.text
    assert own.headers["content-type"].startswith("text/calendar")
    body = own.text
    assert body.startswith("BEGIN:VCALENDAR")
    with programme.connect() as conn:
        planned = conn.execute(
            text("SELECT COUNT(*) FROM visits WHERE status = 'planned' AND planned_start >= :d"),
            {"d": dt.date(2027, 1, 1)},
        ).scalar_one()
    assert body.count("BEGIN:VEVENT") == planned > 0
    assert ("read", "visits", None) in _events(programme, "api:v1")
    boss = client.get(
        "/api/v1/visits/calendar", params={**since, "visitor": "V1"}, headers=auth("boss")
    )
    assert boss.status_code == 200
    assert boss.text.count("BEGIN:VEVENT") == planned
    other = client.get("/api/v1/visits/calendar", params={"visitor": "V1"}, headers=auth("v2"))
    assert other.status_code == 403
    area = client.get("/api/v1/visits/calendar", params={"visitor": "V1"}, headers=auth("v1-coord"))
    assert area.status_code == 403


def test_the_unrecorded_list_pages_planned_visits_gone_by(
    client: TestClient, auth: Headers, first_visit: tuple[dt.date, dt.date]
) -> None:
    r = client.get("/api/v1/visits/unrecorded", params={"days": 60}, headers=auth("v1"))
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["kind"] == "unrecorded"
    starts = [row["start"] for row in page["rows"]]
    assert str(first_visit[0]) in starts
    assert starts == sorted(starts)
    assert all(row["end_day"] < "2027-03-01" for row in page["rows"])


@pytest.mark.parametrize(("kind", "shift"), [("upcoming", -20), ("unrecorded", 20)])
def test_a_list_given_no_days_looks_as_far_as_its_own_default(
    client: TestClient,
    auth: Headers,
    first_visit: tuple[dt.date, dt.date],
    kind: str,
    shift: int,
) -> None:
    """A visit 20 days ahead is coming up, and one begun 20 days ago gone by unrecorded,
    within the month both lists look at by default, as on the command line; not within
    the due list's fortnight."""
    as_of = str(first_visit[0] + dt.timedelta(days=shift))

    def starts(**days: int) -> list[str]:
        r = client.get(
            f"/api/v1/visits/{kind}", params={"as_of": as_of, **days}, headers=auth("v1")
        )
        assert r.status_code == 200, r.text
        return [row["start"] for row in r.json()["rows"]]

    assert DEFAULT_DAYS[kind] == 30
    assert str(first_visit[0]) in starts()
    assert starts() == starts(days=30)
    assert str(first_visit[0]) not in starts(days=14)


#: What a work list's rows carry besides the columns every front door shows, by list.
BEYOND_COLUMNS = {
    "due": ("started_on",),
    "overdue": ("started_on",),
    "upcoming": (),
    "unrecorded": (),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_work_list_answer_names_every_field_of_the_service_s_rows_in_their_order(
    programme: Engine, kind: str
) -> None:
    """A row model ignores a key it does not name: a column the service adds must be named
    (and described) in the answer's model, or it would vanish from the answer unseen."""
    model = DueListed if kind in ("due", "overdue") else PlannedVisitListed
    # Every list has rows: a year's deadlines on, everything is overdue.
    today = TODAY + dt.timedelta(days=366) if kind == "overdue" else TODAY
    with unit_of_work(programme) as s:
        rows = work_lists.work_list(s, kind, actor="test", today=today, days=366)
    assert rows, "the list has rows to compare"
    assert {tuple(r) for r in rows} == {tuple(model.model_fields)}
    assert set(model.model_fields) == set(work_lists.COLUMNS[kind]) | set(BEYOND_COLUMNS[kind])


def test_both_answers_of_a_visit_sent_again_are_in_the_spec(
    client: TestClient, auth: Headers, first_visit: tuple[dt.date, dt.date]
) -> None:
    """Recorded answers 201 and sent again under its ``visit_id`` 200: a client built from
    ``/openapi.json`` is told of both (it gave 201 alone)."""
    answers = documented(client, "post", "/api/v1/visits")
    body = {"household": "H0", "visitor": "V1", "start": str(first_visit[0]), "visit_id": "p-1"}
    made = client.post("/api/v1/visits", json=body, headers=auth("v1"))
    again = client.post("/api/v1/visits", json=body, headers=auth("v1"))
    assert (made.status_code, again.status_code) == (201, 200), again.text
    assert {answers["201"], answers["200"]} == {"VisitRecorded"}
