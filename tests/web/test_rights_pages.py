"""A household's or a visitor's data on the web app's pages: its export to download, for the
accounts the API hands it to, and, for a manager, its erasure once the id is typed again."""

from __future__ import annotations

from sqlalchemy import Engine, text

from doorstep.services import household_rights, visitor_rights
from tests.api.conftest import TODAY
from tests.factories.rights import rolled_back, rows_of, undated
from tests.web.conftest import SignIn


def _deletes(engine: Engine, actor: str) -> list[tuple[str, str, str]]:
    """The erasures under ``actor``, done or attempted: (entity, id, outcome or "done")."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity, entity_id, detail FROM audit_events "
                "WHERE actor = :a AND action = 'delete' ORDER BY id"
            ),
            {"a": actor},
        ).all()
    return [(e, i, "refused" if "refused" in str(d) else "done") for e, i, d in rows]


def test_a_coordinator_opens_a_household_and_downloads_its_export(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1-coord")
    page = site.get("/household", params={"id": "H0"})
    assert page.status_code == 200, page.text
    assert 'href="/household/export?id=H0"' in page.text
    assert 'action="/household/erase"' not in page.text  # a coordinator erases no one
    expected = rolled_back(
        programme, lambda s: household_rights.export_household(s, "H0", actor="api:v1-coord")
    )
    r = site.get("/household/export", params={"id": "H0"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.headers["content-disposition"] == 'attachment; filename="H0.json"'
    assert undated(r.json()) == undated(expected)


def test_a_household_outside_the_account_s_area_is_refused_on_its_page_and_its_download(
    sign_in: SignIn,
) -> None:
    site = sign_in("v2-coord")
    page = site.get("/household", params={"id": "H0"})
    assert page.status_code == 403
    assert "lives outside account v2-coord&#39;s area" in page.text
    assert site.get("/household/export", params={"id": "H0"}).status_code == 403
    assert sign_in("v1").get("/household/export", params={"id": "H0"}).status_code == 403


def test_a_visitor_downloads_their_own_data_and_not_another_visitor_s(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1")
    assert 'href="/visitor?id=V1"' in site.get("/").text
    page = site.get("/visitor", params={"id": "V1"})
    assert page.status_code == 200
    assert 'href="/visitor/export?id=V1"' in page.text
    expected = rolled_back(
        programme, lambda s: visitor_rights.export_visitor(s, "V1", actor="api:v1")
    )
    r = site.get("/visitor/export", params={"id": "V1"})
    assert r.status_code == 200, r.text
    assert undated(r.json()) == undated(expected)
    assert site.get("/visitor", params={"id": "V2"}).status_code == 403
    assert site.get("/visitor/export", params={"id": "V2"}).status_code == 403


def _reads(engine: Engine, actor: str) -> list[tuple[str, str, str]]:
    """The reads under ``actor``: (entity, id, detail as stored)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT entity, entity_id, detail FROM audit_events "
                "WHERE actor = :a AND action = 'read' ORDER BY id"
            ),
            {"a": actor},
        ).all()
    return [(e, i, str(d).replace(" ", "").replace("'", '"')) for e, i, d in rows]


def test_a_person_s_page_opened_is_read_under_them_and_one_refused_is_not(
    sign_in: SignIn, programme: Engine
) -> None:
    # The page shows the id as one on record in the account's scope: the person's to know.
    site = sign_in("boss")
    assert site.get("/household", params={"id": "H0"}).status_code == 200
    assert site.get("/visitor", params={"id": "V1"}).status_code == 200
    rights = '{"form":"rights"}'
    assert _reads(programme, "api:boss") == [
        ("household", "H0", rights),
        ("visitor", "V1", rights),
    ]
    assert sign_in("v2-coord").get("/household", params={"id": "H0"}).status_code == 403
    assert _reads(programme, "api:v2-coord") == []
    # An id no one has is said so, as its export would, and read under no one: a long one
    # was a 500 on PostgreSQL (the trail's ids are at most 64 characters).
    for page, unknown, said in (
        ("/household", "H404", "no household with id &#39;H404&#39;"),
        ("/visitor", "V404", "no visitor with id &#39;V404&#39;"),
        ("/household", "R" * 200, "no household with id"),
        ("/visitor", "x" * 5000, "no visitor with id"),
    ):
        answer = site.get(page, params={"id": unknown})
        assert answer.status_code == 404 and said in answer.text, answer.text[:500]
    assert len(_reads(programme, "api:boss")) == 2


def test_a_manager_s_erasure_without_the_id_typed_again_erases_nothing(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("boss")
    page = site.get("/household", params={"id": "H0"})
    assert 'action="/household/erase"' in page.text
    before = rows_of(programme, "H0")
    for typed in ("", "H1"):
        r = site.post("/household/erase", data={"id": "H0", "confirm": typed})
        assert r.status_code == 422
        assert "erasing H0 cannot be undone" in r.text
    assert site.post("/household/erase", data={"id": "H0"}).status_code == 422
    assert rows_of(programme, "H0") == before
    assert _deletes(programme, "api:boss") == []


def test_a_manager_erases_a_household_once_its_id_is_typed_again(
    sign_in: SignIn, programme: Engine
) -> None:
    expected = rolled_back(
        programme,
        lambda s: household_rights.erase_household(s, "H0", actor="api:boss", today=TODAY),
    )
    site = sign_in("boss")
    r = site.post("/household/erase", data={"id": "H0", "confirm": "H0"})
    assert r.status_code == 200, r.text
    assert "Erased household H0:" in r.text
    assert f"{expected['visits']} from visits" in r.text
    assert rows_of(programme, "H0") == (0, 0, 0)
    assert _deletes(programme, "api:boss") == [("household", "H0", "done")]
    assert site.get("/household/export", params={"id": "H0"}).status_code == 404


def test_only_a_manager_erases_and_a_visitor_with_households_is_kept(
    sign_in: SignIn, programme: Engine
) -> None:
    refused = sign_in("v1-coord").post("/household/erase", data={"id": "H0", "confirm": "H0"})
    assert refused.status_code == 403
    assert rows_of(programme, "H0")[0] == 1
    assert _deletes(programme, "api:v1-coord") == [("household", "H0", "refused")]
    boss = sign_in("boss")
    kept = boss.post("/visitor/erase", data={"id": "V1", "confirm": "V1"})
    assert kept.status_code == 409
    assert "still looks after households" in kept.text
    erased = boss.post("/visitor/erase", data={"id": "V2", "confirm": "V2"})
    assert erased.status_code == 200, erased.text
    assert "Erased visitor V2:" in erased.text
    assert _deletes(programme, "api:boss") == [
        ("visitor", "V1", "refused"),
        ("visitor", "V2", "done"),
    ]
