"""What the API's refusals and notes tell a client to do, they tell by the API's routes and
fields: never a command of the command line, which an API client has none of."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Headers
from tests.factories.bad_rows import NOTED, REFUSED
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv

PROPOSE = "POST /api/v1/pairing/proposals"
#: What only the command line says: a command or one of its options.
COMMAND_LINE = ("doorstep", "--replace", "--new-only", "pair --area", "pair commit")


def _no_command_line(text: str) -> None:
    for words in COMMAND_LINE:
        assert words not in text, text


def _propose(client: TestClient, auth: Headers, area: str = "R-C-V1") -> int:
    made = client.post("/api/v1/pairing/proposals", json={"area": area}, headers=auth("boss"))
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def test_a_stale_proposal_s_commit_refused_names_the_route_that_proposes_again(
    client: TestClient, auth: Headers
) -> None:
    first, second = _propose(client, auth), _propose(client, auth)
    withdrawn = {"state": "withdrawn", "evidence": "a letter"}
    assert client.post("/api/v1/households/H0/consent", json=withdrawn, headers=auth("boss"))
    stale = client.post(f"/api/v1/pairing/proposals/{second}/commit", headers=auth("boss"))
    assert stale.status_code == 409, stale.text
    detail = stale.json()["detail"]
    assert detail.startswith(f"proposal {second} is stale: ")
    assert detail.endswith(f"; make a new proposal for R-C-V1 ({PROPOSE})")
    _no_command_line(detail)
    # Read, the proposal says the same.
    read = client.get(f"/api/v1/pairing/proposals/{second}", headers=auth("boss")).json()
    assert read["stale_reason"] == detail
    diff = client.get(f"/api/v1/pairing/proposals/{second}/diff", headers=auth("boss")).json()
    assert diff["stale_reason"] == detail
    # Superseded by a newer one's commit: only an open one commits.
    third = _propose(client, auth)
    assert client.post(f"/api/v1/pairing/proposals/{third}/commit", headers=auth("boss"))
    superseded = client.post(f"/api/v1/pairing/proposals/{first}/commit", headers=auth("boss"))
    assert superseded.status_code == 409, superseded.text
    assert superseded.json()["detail"].endswith(
        f"; only an open one commits: make a new proposal for R-C-V1 ({PROPOSE})"
    )
    _no_command_line(superseded.json()["detail"])


def test_a_household_in_no_proposal_is_explained_by_the_route_that_proposes(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9")])
    with path.open("rb") as fh:
        sent = client.post("/api/v1/imports/households", files={"file": fh}, headers=auth("boss"))
    assert sent.status_code == 200, sent.text
    r = client.get("/api/v1/households/H9/pairing", headers=auth("boss"))
    assert r.status_code == 404
    assert r.json()["detail"] == (
        f"household 'H9' is in no pairing proposal yet; make a proposal for its area first "
        f"({PROPOSE})"
    )


def test_an_area_without_households_is_refused_naming_the_import_route(
    client: TestClient, auth: Headers
) -> None:
    r = client.post("/api/v1/pairing/proposals", json={"area": "R-C-V2"}, headers=auth("boss"))
    assert r.status_code == 404
    assert r.json()["detail"].endswith("; import households first: POST /api/v1/imports/households")
    _no_command_line(r.json()["detail"])


def test_a_visitor_still_looking_after_households_is_not_erased_and_told_the_routes(
    client: TestClient, auth: Headers
) -> None:
    r = client.post("/api/v1/visitors/V1/erase", json={"confirm": "V1"}, headers=auth("boss"))
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert (
        "re-pair them first: give the visitor an active_to before today (2027-02-28 or "
        "earlier: their row of visitors, POST /api/v1/imports/visitors), then make a proposal "
        f"for their area with new_only ({PROPOSE}), commit it (POST "
        "/api/v1/pairing/proposals/{proposal}/commit) and plan the area (POST /api/v1/plans); "
        "then erase"
    ) in detail
    _no_command_line(detail)


def test_a_visit_of_an_excluded_pair_is_refused_naming_the_exclusions_routes(
    client: TestClient, auth: Headers
) -> None:
    pair = {"household": "H0", "visitor": "V1", "reason": "a cousin"}
    assert client.post("/api/v1/exclusions", json=pair, headers=auth("boss")).status_code == 201
    visit = {"household": "H0", "visitor": "V1", "start": "2027-03-01"}
    r = client.post("/api/v1/visits", json=visit, headers=auth("v1"))
    assert r.status_code == 403, r.text
    assert r.json()["detail"].endswith(
        " (POST /api/v1/exclusions): the visitor is not to visit the household from then on; if "
        "that is wrong, DELETE /api/v1/exclusions removes the exclusion"
    )
    _no_command_line(r.json()["detail"])


def test_a_withdrawal_s_note_names_the_routes_that_end_the_pairing(
    client: TestClient, auth: Headers
) -> None:
    body = {"state": "withdrawn", "evidence": "told V1 at the door"}
    r = client.post("/api/v1/households/H0/consent", json=body, headers=auth("boss"))
    assert r.status_code == 200, r.text
    assert r.json()["notes"][0].endswith(
        f"its pairing ends at the next pair commit for the area ({PROPOSE}, then POST "
        "/api/v1/pairing/proposals/{proposal}/commit)."
    )


#: What the API says of each file, by the routes and the query's field.
SAID = {
    "leave stored": "give its starts_on, or import with replace=true to make the file the whole",
    "a past blackout": "(it ended before today: replace=true keeps it)",
    "unkept households": (
        f"a proposal for the area with new_only ({PROPOSE}), then its commit (POST "
        "/api/v1/pairing/proposals/{proposal}/commit) and a plan of the area (POST "
        "/api/v1/plans), hands them over."
    ),
    "an excluded pair": (
        f"stays until the next proposal ({PROPOSE}) for its area (R-C-V1) is committed, which "
        "ends it; until then a plan (POST /api/v1/plans) plans no visits for it."
    ),
}


@pytest.mark.parametrize("name", sorted(SAID))
def test_an_import_s_rows_and_notes_name_the_api_s_field_and_routes(
    client: TestClient, auth: Headers, programme: Engine, tmp_path: Path, name: str
) -> None:
    sent = {**REFUSED, **NOTED}[name](programme, tmp_path)
    with sent.path.open("rb") as fh:
        r = client.post(
            f"/api/v1/imports/{sent.entity}",
            params={"replace": "true"} if sent.replace else None,
            files={"file": fh},
            headers=auth("boss"),
        )
    assert r.status_code == (422 if name in REFUSED else 200), r.text
    assert SAID[name] in r.text
    _no_command_line(r.text)


def test_replace_on_a_file_of_no_periods_is_refused_by_the_query_s_field(
    client: TestClient, auth: Headers, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9")])
    with path.open("rb") as fh:
        r = client.post(
            "/api/v1/imports/households",
            params={"replace": "true"},
            files={"file": fh},
            headers=auth("boss"),
        )
    assert r.status_code == 422
    assert r.json()["detail"] == "replace=true is for leave and blackouts, not households"


@pytest.mark.parametrize(
    ("path", "body", "said"),
    [
        (
            "/api/v1/referrals/999/status",
            {"status": "accepted"},
            "no referral number 999 (GET /api/v1/referrals lists them)",
        ),
        (
            "/api/v1/projects/NOPE/status",
            {"status": "running"},
            "no project with code 'NOPE' (GET /api/v1/projects lists them)",
        ),
        (
            "/api/v1/activities/NOPE/attendance",
            {"households": ["H0"]},
            "no activity with code 'NOPE' (GET /api/v1/activities lists them)",
        ),
        (
            "/api/v1/referrals",
            {"household": "H0", "organisation": "NOPE", "service": "employment"},
            "no organisation with code 'NOPE' (POST /api/v1/imports/organisations adds them)",
        ),
        (
            "/api/v1/households/H0/consent",
            {"state": "withdrawn", "evidence": "a letter", "on": "2025-12-01"},
            "an earlier act is filed in the household's history by POST /api/v1/imports/households",
        ),
    ],
)
def test_a_code_or_number_not_found_or_an_earlier_act_names_the_route_that_lists_or_adds_it(
    client: TestClient, auth: Headers, path: str, body: dict[str, object], said: str
) -> None:
    r = client.post(path, json=body, headers=auth("boss"))
    assert r.status_code in (404, 422), r.text
    assert r.json()["detail"].endswith(said), r.text


def test_a_visit_id_sent_for_another_visit_names_the_import_route(
    client: TestClient, auth: Headers
) -> None:
    body = {"household": "H0", "visitor": "V1", "start": "2027-03-01", "visit_id": "phone-1"}
    assert client.post("/api/v1/visits", json=body, headers=auth("v1")).status_code == 201
    other = client.post("/api/v1/visits", json={**body, "household": "H1"}, headers=auth("v1"))
    assert other.status_code == 409, other.text
    assert (
        "a recorded visit is changed by POST /api/v1/imports/visits, which knows it"
        in (other.json()["detail"])
    )


def test_an_area_asked_of_a_programme_with_none_names_its_database_not_the_server_s_path(
    engine: Engine, db_url: str
) -> None:
    """Before any import, an account asking for an area is told the programme holds none
    and where to import them, over the API and on a page (in its language), never the
    server's database path or URL, nor a setting of the command line."""
    from doorstep.api.app import create_app as api_app
    from doorstep.web.app import create_app as web_app
    from tests.api.conftest import add_account

    token = add_account(engine, "boss", "manager")
    api = api_app(db_url)
    with TestClient(api) as client:
        got = client.get(
            "/api/v1/report", params={"area": "GZ"}, headers={"Authorization": f"Bearer {token}"}
        )
    api.state.engine.dispose()
    assert got.status_code == 404, got.text
    assert got.json()["detail"] == (
        "no area with code 'GZ' (the programme's database holds no areas: import them first "
        "(POST /api/v1/imports/areas))"
    )
    site = web_app(db_url)
    with TestClient(site) as pages:
        pages.post("/login", data={"token": token})
        page = pages.get("/figures", params={"area": "GZ"}, headers={"Accept-Language": "zh-Hans"})
    site.state.engine.dispose()
    assert page.status_code == 404
    assert "项目数据库中没有任何地区：请先在“导入”页面导入" in page.text
    assert (
        "DOORSTEP_DATABASE_URL" not in page.text and "doorstep" not in page.text.split("<main")[1]
    )
