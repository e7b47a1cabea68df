"""A household's and a visitor's rights over the API: their export, as `household|visitor
export` gives it, for the accounts that serve them; their erasure, by a manager, confirmed."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from doorstep.domain.ids import file_stem
from doorstep.services import household_rights, visitor_rights
from doorstep.services.rights_json import export_text
from tests.api.conftest import TODAY, Headers, add_account
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.factories.rights import rolled_back, rows_of, undated


def _by(engine: Engine, actor: str) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    """The events under ``actor``, oldest first: (action, entity, entity_id, detail)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT action, entity, entity_id, detail FROM audit_events "
                "WHERE actor = :a ORDER BY id"
            ),
            {"a": actor},
        ).all()
    return [(a, e, i, d if isinstance(d, dict) else json.loads(d)) for a, e, i, d in rows]


def test_a_coordinator_downloads_the_household_s_export_as_the_command_line_writes_it(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    expected = rolled_back(
        programme, lambda s: household_rights.export_household(s, "H0", actor="api:v1-coord")
    )
    r = client.get("/api/v1/households/H0/export", headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == 'attachment; filename="H0.json"'
    got = r.json()
    assert undated(got) == undated(expected)
    assert got["records"]["households"][0]["external_id"] == "H0"
    assert got["records"]["visits"]  # H0 is planned: the export is not empty
    # The bytes the command line's file holds (`household export --out`).
    assert r.text == export_text({**expected, "exported_at": got["exported_at"]})
    # Recorded as the command line records it: the household's own export, then an export
    # under the visitor it names.
    rows = {table: len(v) for table, v in expected["records"].items()}
    assert _by(programme, "api:v1-coord") == [
        ("subject_export", "household", "H0", {"rows": rows}),
        ("export", "visitor", "V1", {"subject_export": "household"}),
    ]


def test_a_household_s_export_is_for_its_area_s_accounts_only(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    outside = client.get("/api/v1/households/H0/export", headers=auth("v2-coord"))
    assert outside.status_code == 403
    assert "outside account v2-coord's area" in outside.json()["detail"]
    a_visitor = client.get("/api/v1/households/H0/export", headers=auth("v1"))
    assert a_visitor.status_code == 403
    assert client.get("/api/v1/households/H9/export", headers=auth("boss")).status_code == 404
    assert client.get("/api/v1/households/H0/export", headers=auth("boss")).status_code == 200
    # A refusal reads nothing: it is recorded as the attempt, refused.
    refused = _by(programme, "api:v2-coord")
    assert [(a, e, i, d["outcome"]) for a, e, i, d in refused] == [
        ("subject_export", "household", "H0", "refused")
    ]


def test_a_visitor_s_account_exports_its_own_data_and_no_one_else_s(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    expected = rolled_back(
        programme, lambda s: visitor_rights.export_visitor(s, "V1", actor="api:v1")
    )
    r = client.get("/api/v1/visitors/V1/export", headers=auth("v1"))
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == 'attachment; filename="V1.json"'
    assert undated(r.json()) == undated(expected)
    assert r.json()["records"]["accounts"][0]["name"] == "v1"  # its account is its data
    other = client.get("/api/v1/visitors/V2/export", headers=auth("v1"))
    assert other.status_code == 403
    assert "exports the data of visitor V1 only" in other.json()["detail"]


def test_a_visitor_s_export_is_for_the_accounts_of_their_home_area(
    client: TestClient, auth: Headers
) -> None:
    # V1's home area is R-C-V1.
    assert client.get("/api/v1/visitors/V1/export", headers=auth("v1-coord")).status_code == 200
    outside = client.get("/api/v1/visitors/V1/export", headers=auth("v2-coord"))
    assert outside.status_code == 403
    assert "home area is outside" in outside.json()["detail"]
    assert client.get("/api/v1/visitors/V9/export", headers=auth("boss")).status_code == 404


def test_an_erasure_without_its_confirmation_is_refused_and_erases_nothing(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    before = rows_of(programme, "H0")
    missing = client.post("/api/v1/households/H0/erase", json={}, headers=auth("boss"))
    assert missing.status_code == 422
    assert "body.confirm: Field required" in missing.json()["detail"]
    wrong = client.post("/api/v1/households/H0/erase", json={"confirm": "H1"}, headers=auth("boss"))
    assert wrong.status_code == 422
    assert "erasing H0 cannot be undone" in wrong.json()["detail"]
    visitor = client.post("/api/v1/visitors/V2/erase", json={"confirm": ""}, headers=auth("boss"))
    assert visitor.status_code == 422
    assert rows_of(programme, "H0") == before
    assert client.get("/api/v1/visitors/V2/export", headers=auth("v2")).status_code == 200
    # As `erase` without --yes: refused before the database is touched, nothing recorded.
    assert [e for e in _by(programme, "api:boss") if e[0] == "delete"] == []


def test_a_manager_erases_a_household_as_the_command_line_does(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    expected = rolled_back(
        programme,
        lambda s: household_rights.erase_household(s, "H0", actor="api:boss", today=TODAY),
    )
    assert rows_of(programme, "H0")[0] == 1
    h1 = rows_of(programme, "H1")
    r = client.post("/api/v1/households/H0/erase", json={"confirm": "H0"}, headers=auth("boss"))
    assert r.status_code == 200, r.text
    assert r.json()["household"] == "H0"
    assert r.json()["erased"] == expected
    assert r.json()["still_on_disk"] is False
    assert rows_of(programme, "H0") == (0, 0, 0)
    assert rows_of(programme, "H1") == h1
    assert _by(programme, "api:boss")[-1] == ("delete", "household", "H0", {"erased": expected})
    gone = client.get("/api/v1/households/H0/export", headers=auth("boss"))
    assert gone.status_code == 404
    assert "was erased" in gone.json()["detail"]


def test_only_a_manager_of_its_area_erases_a_household_and_a_refusal_is_recorded(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    elsewhere = add_account(programme, "v2-boss", "manager", area="R-C-V2")
    confirm = {"confirm": "H0"}
    coordinator = client.post("/api/v1/households/H0/erase", json=confirm, headers=auth("v1-coord"))
    assert coordinator.status_code == 403
    assert "erased by a manager" in coordinator.json()["detail"]
    outside = client.post(
        "/api/v1/households/H0/erase",
        json=confirm,
        headers={"Authorization": f"Bearer {elsewhere}"},
    )
    assert outside.status_code == 403
    assert (
        client.post("/api/v1/households/H0/erase", json=confirm, headers=auth("v1")).status_code
        == 403
    )
    assert rows_of(programme, "H0")[0] == 1
    for actor in ("api:v1-coord", "api:v2-boss", "api:v1"):
        assert [(a, e, i, d["outcome"]) for a, e, i, d in _by(programme, actor)] == [
            ("delete", "household", "H0", "refused")
        ], actor


def test_a_visitor_who_still_looks_after_households_is_not_erased(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    r = client.post("/api/v1/visitors/V1/erase", json={"confirm": "V1"}, headers=auth("boss"))
    assert r.status_code == 409
    assert "still looks after households" in r.json()["detail"]
    assert client.get("/api/v1/visitors/V1/export", headers=auth("v1")).status_code == 200
    attempt = _by(programme, "api:boss")[-1]
    assert attempt[:3] == ("delete", "visitor", "V1")
    assert attempt[3]["outcome"] == "refused"
    assert "still looks after households" in attempt[3]["error"]


def test_a_manager_erases_a_visitor_with_no_households_as_the_command_line_does(
    client: TestClient, programme: Engine, auth: Headers
) -> None:
    expected = rolled_back(
        programme, lambda s: visitor_rights.erase_visitor(s, "V2", actor="api:boss", today=TODAY)
    )
    r = client.post("/api/v1/visitors/V2/erase", json={"confirm": "V2"}, headers=auth("boss"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["visitor"], body["erased"], body["kept"]) == ("V2", expected.erased, expected.kept)
    assert body["erased"]["accounts"] == 1  # their account went with them
    with programme.connect() as conn:
        name = conn.execute(text("SELECT name FROM visitors WHERE external_id = 'V2'")).scalar_one()
    assert name == ""
    assert _by(programme, "api:boss")[-1] == (
        "delete",
        "visitor",
        "V2",
        {"erased": expected.erased, "kept": expected.kept},
    )
    # Its account and tokens went with it.
    assert client.get("/api/v1/me", headers=auth("v2")).status_code == 401
    gone = client.get("/api/v1/visitors/V2/export", headers=auth("boss"))
    assert gone.status_code == 404


def test_an_id_typed_in_another_unicode_form_is_the_household_s_and_its_file_name_is_safe(
    client: TestClient, programme: Engine, auth: Headers, tmp_path: Path
) -> None:
    row = household(household_id="CAFÉ", lat=26.59)
    run_import(programme, "households", write_csv(tmp_path / "c.csv", HOUSEHOLD_HEADER, [row]))
    decomposed = unicodedata.normalize("NFD", "CAFÉ")
    r = client.get(f"/api/v1/households/{decomposed}/export", headers=auth("v1-coord"))
    assert r.status_code == 200, r.text
    assert r.json()["household"] == "CAFÉ"
    assert r.headers["content-disposition"] == f'attachment; filename="{file_stem("CAFÉ")}.json"'
    erased = client.post(
        f"/api/v1/households/{decomposed}/erase", json={"confirm": "CAFÉ"}, headers=auth("boss")
    )
    assert erased.status_code == 200, erased.text
    assert rows_of(programme, "CAFÉ") == (0, 0, 0)
