"""The exclusions page: a coordinator keeps a pair apart, sees it listed, and lets it be
paired again; a visitor's account is refused."""

from __future__ import annotations

from sqlalchemy import Engine, text

from tests.web.conftest import SignIn


def _kept_apart(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM exclusions")).scalar_one())


def test_a_coordinator_keeps_a_pair_apart_and_lets_it_be_paired_again(
    sign_in: SignIn, programme: Engine
) -> None:
    coord = sign_in("v1-coord")
    empty = coord.get("/exclusions")
    assert empty.status_code == 200 and "No pairs are kept apart here." in empty.text
    made = coord.post(
        "/exclusions", data={"household": "H1", "visitor": "V1", "reason": "a cousin"}
    )
    assert made.status_code == 200, made.text
    assert "H1 and V1 are kept apart from now on. Cancelled their planned visits of" in made.text
    assert "the next pairing committed for R-C-V1 ends it" in made.text
    assert "<td>H1</td><td>R-C-V1</td><td>V1</td><td>a cousin</td>" in made.text
    assert _kept_apart(programme) == 1
    freed = coord.post("/exclusions/remove", data={"household": "H1", "visitor": "V1"})
    assert freed.status_code == 200, freed.text
    assert "H1 and V1 may be paired again." in freed.text
    assert _kept_apart(programme) == 0
    blank = coord.post("/exclusions", data={"household": " ", "visitor": "V1"})
    assert blank.status_code == 422


def test_a_visitor_s_account_is_refused(sign_in: SignIn, programme: Engine) -> None:
    visitor = sign_in("v1")
    assert visitor.get("/exclusions").status_code == 403
    made = visitor.post("/exclusions", data={"household": "H1", "visitor": "V1"})
    assert made.status_code == 403
    assert "kept apart by the area&#39;s coordinator or manager" in made.text
    assert _kept_apart(programme) == 0
