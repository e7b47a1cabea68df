"""Group activities over the API: added and listed as `doorstep activity` does, and who took
part recorded all or none, within the account's area."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Headers
from tests.factories.audit import last_event_id, trail

CAMP = {"code": "CAMP", "kind": "summer_camp", "title": "Camp", "area": "R-C-V1"}


def _attended(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM activity_attendance")).scalar_one())


def test_a_coordinator_adds_an_activity_records_who_took_part_and_lists_the_counts(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    before = last_event_id(programme)
    made = client.post(
        "/api/v1/activities", json=CAMP | {"starts_on": "2027-02-01"}, headers=auth("v1-coord")
    )
    assert made.status_code == 201, made.text
    assert trail(programme, before) == [("create", "activity", "CAMP", {})]
    before = last_event_id(programme)
    body = {"households": ["H0", "H1"], "visitors": ["V1"]}
    took = client.post("/api/v1/activities/CAMP/attendance", json=body, headers=auth("v1-coord"))
    assert took.status_code == 200, took.text
    assert took.json() == {"added": ["H0", "H1", "V1"], "already": []}
    # Each person added is recorded under their own id, as at the command line.
    assert {(e[0], e[1], e[2]) for e in trail(programme, before)} == {
        ("create", "household", "H0"),
        ("create", "household", "H1"),
        ("create", "visitor", "V1"),
    }
    again = client.post("/api/v1/activities/CAMP/attendance", json=body, headers=auth("v1-coord"))
    assert again.json() == {"added": [], "already": ["H0", "H1", "V1"]}
    listed = client.get("/api/v1/activities", headers=auth("v1-coord")).json()
    assert [(r["code"], r["households"], r["visitors"]) for r in listed] == [("CAMP", 2, 1)]
    assert client.get("/api/v1/activities", headers=auth("v2-coord")).json() == []


def test_one_unknown_household_records_no_one(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    client.post("/api/v1/activities", json=CAMP | {"starts_on": "2027-02-01"}, headers=auth("boss"))
    body = {"households": ["H0", "NOPE"]}
    refused = client.post("/api/v1/activities/CAMP/attendance", json=body, headers=auth("boss"))
    assert refused.status_code == 404
    assert "NOPE" in refused.json()["detail"]
    assert _attended(programme) == 0


def test_another_area_s_coordinator_and_a_visitor_are_refused_and_the_attempt_recorded(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    client.post("/api/v1/activities", json=CAMP | {"starts_on": "2027-02-01"}, headers=auth("boss"))
    body = {"households": ["H0"]}
    for who, why in (
        ("v2-coord", "area R-C-V1 is outside account v2-coord's area R-C-V2"),
        ("v1", "account v1 is a visitor's: attendance is recorded by coordinators"),
    ):
        before = last_event_id(programme)
        refused = client.post("/api/v1/activities/CAMP/attendance", json=body, headers=auth(who))
        assert refused.status_code == 403
        assert why in refused.json()["detail"]
        (event,) = trail(programme, before)
        assert event[:3] == ("create", "activity", "CAMP")
        assert event[3]["outcome"] == "refused" and event[3]["attendance"] is True
    assert _attended(programme) == 0
    # Nor may they add one in an area that is not theirs, or list as a visitor.
    far = client.post(
        "/api/v1/activities",
        json=CAMP | {"code": "FAR", "starts_on": "2027-02-01"},
        headers=auth("v2-coord"),
    )
    assert far.status_code == 403
    assert client.get("/api/v1/activities", headers=auth("v1")).status_code == 403


def test_an_activity_the_types_refuse_is_422_naming_the_field(
    client: TestClient, auth: Headers
) -> None:
    wrong = client.post(
        "/api/v1/activities",
        json=CAMP | {"starts_on": "someday", "colour": "red"},
        headers=auth("boss"),
    )
    assert wrong.status_code == 422
    detail = wrong.json()["detail"]
    assert "body.starts_on" in detail and "body.colour" in detail
    kind = client.post(
        "/api/v1/activities",
        json=CAMP | {"kind": "party", "starts_on": "2027-02-01"},
        headers=auth("boss"),
    )
    assert kind.status_code == 422 and "body.kind" in kind.json()["detail"]


#: Codes an import refuses in a cell: a line break (which no route's address can name), a
#: tab, a C1 control character, a mark that turns the text around.
UNPLAIN = ("AB\n", "E\tF", "G\x91", "\u202eCAMP")


def test_a_code_that_is_not_plain_text_on_one_line_is_refused_as_an_import_refuses_it(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    # The schema fuzz made "ñn\x91\n", and its attendance route answered 404: no address
    # names a line break.
    for code in UNPLAIN:
        made = client.post(
            "/api/v1/activities",
            json=CAMP | {"code": code, "starts_on": "2027-02-01"},
            headers=auth("boss"),
        )
        assert made.status_code == 422, (code, made.text)
        assert "plain text on one line" in made.json()["detail"]
    assert client.get("/api/v1/activities", headers=auth("boss")).json() == []
