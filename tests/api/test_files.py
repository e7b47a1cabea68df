"""A household's case file and a visitor's file over the API: for whom, and from which
area; the routes below an id are still theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers


def test_a_household_s_file_is_read_by_its_visitor_and_its_area_only(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    mine = client.get("/api/v1/households/H0", headers=auth("v1"))
    assert mine.status_code == 200, mine.text
    file = mine.json()
    assert (file["household"]["household"], file["as_of"]) == ("H0", "2027-03-01")
    assert [p["visitor"] for p in file["pairings"]] == ["V1"]
    [row] = file["cadence"]
    assert (
        row["visitor"] == "V1"
        and row["days_left"] == (dt.date.fromisoformat(row["deadline"]) - dt.date(2027, 3, 1)).days
    )
    coord = client.get("/api/v1/households/H0", params={"visits": 1}, headers=auth("v1-coord"))
    assert coord.status_code == 200, coord.text
    assert len(coord.json()["visits_planned"]) <= 1
    # The routes below a household's id are still theirs.
    assert (
        client.get("/api/v1/households/H0/pairing", headers=auth("v1-coord")).json()["visitor"]
        == "V1"
    )
    not_theirs = client.get("/api/v1/households/H0", headers=auth("v2"))
    assert not_theirs.status_code == 403
    assert "not one of them today" in not_theirs.json()["detail"]
    assert client.get("/api/v1/households/H0", headers=auth("v2-coord")).status_code == 403
    assert client.get("/api/v1/households/H9", headers=auth("boss")).status_code == 404
    bad = client.get("/api/v1/households/H0", params={"max_gap_days": 0}, headers=auth("boss"))
    assert bad.status_code == 422
    with programme.connect() as conn:
        reads = (
            conn.execute(
                text(
                    "SELECT actor FROM audit_events WHERE entity = 'household' "
                    "AND entity_id = 'H0' AND action = 'read' ORDER BY id"
                )
            )
            .scalars()
            .all()
        )
    assert reads[-2:] == ["api:v1", "api:v1-coord"]


def test_a_visitor_s_file_is_read_by_the_visitor_and_the_area_they_live_in(
    client: TestClient, auth: Headers
) -> None:
    mine = client.get("/api/v1/visitors/V1", headers=auth("v1"))
    assert mine.status_code == 200, mine.text
    file = mine.json()
    assert (file["visitor"]["visitor"], file["caseload"]) == (
        "V1",
        {"households": 3, "capacity": 3},
    )
    assert sorted(r["household"] for r in file["households"]) == ["H0", "H1", "H2"]
    coord = client.get("/api/v1/visitors/V1", headers=auth("v1-coord"))
    assert coord.status_code == 200 and coord.json()["households_elsewhere"] == 0
    # The routes below a visitor's id are still theirs.
    assert client.get("/api/v1/visitors/V1/export", headers=auth("v1")).status_code == 200
    assert client.get("/api/v1/visitors/V1", headers=auth("v2")).status_code == 403
    assert client.get("/api/v1/visitors/V1", headers=auth("v2-coord")).status_code == 403
    assert client.get("/api/v1/visitors/V9", headers=auth("boss")).status_code == 404


def test_households_are_found_within_the_account_s_scope(client: TestClient, auth: Headers) -> None:
    mine = client.get("/api/v1/households", params={"q": "wang"}, headers=auth("v1"))
    assert mine.status_code == 200, mine.text
    assert [r["household"] for r in mine.json()["rows"]] == ["H0", "H1", "H2"]
    assert client.get("/api/v1/households", params={"q": "wang"}, headers=auth("v2")).json() == {
        "rows": [],
        "more": False,
    }
    coord = client.get(
        "/api/v1/households", params={"q": "h", "limit": 2}, headers=auth("v1-coord")
    ).json()
    assert ([r["household"] for r in coord["rows"]], coord["more"]) == (["H0", "H1"], True)
    assert (
        client.get("/api/v1/households", params={"q": "wang"}, headers=auth("v2-coord")).json()[
            "rows"
        ]
        == []
    )
    outside = client.get(
        "/api/v1/households", params={"q": "wang", "area": "R"}, headers=auth("v1-coord")
    )
    assert outside.status_code == 403
    assert client.get("/api/v1/households", headers=auth("boss")).status_code == 422


def test_visitors_are_found_by_an_area_s_accounts_only(client: TestClient, auth: Headers) -> None:
    coord = client.get("/api/v1/visitors", params={"q": "li"}, headers=auth("v1-coord"))
    assert coord.status_code == 200, coord.text
    assert [r["visitor"] for r in coord.json()["rows"]] == ["V1", "V2"]
    assert (
        client.get("/api/v1/visitors", params={"q": "li"}, headers=auth("v2-coord")).json()["rows"]
        == []
    )
    assert client.get("/api/v1/visitors", params={"q": "li"}, headers=auth("v1")).status_code == 403
    # A visitor's own routes below their id are still theirs.
    assert client.get("/api/v1/visitors/V1", headers=auth("v1")).status_code == 200


def test_the_answers_models_name_every_field_the_services_give(programme: Engine) -> None:
    """The API checks an answer against its model, and leaves out what the model lacks:
    each model must name exactly what its service gives, or the API would drop a field."""
    from pydantic import BaseModel

    from doorstep.api import file_schemas as fs
    from doorstep.services.finding import find_households, find_visitors
    from doorstep.services.household_file import household_file
    from doorstep.services.visitor_file import visitor_file
    from doorstep.storage.session import unit_of_work

    def same(value: Any, model: type[BaseModel]) -> None:
        assert set(value) == set(model.model_fields), model.__name__
        for name, field in model.model_fields.items():
            inner = getattr(field.annotation, "__args__", (field.annotation,))[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                for row in value[name] if isinstance(value[name], list) else [value[name]]:
                    same(row, inner)

    today = dt.date(2027, 3, 1)
    with unit_of_work(programme) as s:
        household = household_file(s, "H0", actor="t", today=today)
        visitor = visitor_file(s, "V1", actor="t", today=today)
        households = find_households(s, "H", actor="t", today=today)
        visitors = find_visitors(s, "V", actor="t")
    assert household["cadence"] and household["visits_made"] and visitor["households"]
    same(household, fs.HouseholdFile)
    same(visitor, fs.VisitorFile)
    assert households.rows and visitors.rows
    same({"rows": households.rows, "more": households.more}, fs.HouseholdsFound)
    same({"rows": visitors.rows, "more": visitors.more}, fs.VisitorsFound)
