"""A proposal's page, the API's proposal read and diff, and a refused commit (at the API and
on the page) tell a village's coordinator why the proposal is stale without naming a visitor
who lives outside the village: the note counts them, as a household's explanation does, and
the trail records no read of them. A household's own visitors are listed by id wherever they
live. A manager of the whole programme is told the visitor's id, and the read is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.web.app import create_app
from tests.api.conftest import add_account
from tests.factories.audit import last_event_id, trail
from tests.services.pairing import scoped
from tests.services.pairing.scoped import LATER, visitor_reads
from tests.services.pairing.tree import propose
from tests.web.test_i18n import ZH, _chinese
from tests.web.test_i18n_refusals import _shown

PROPOSALS = "/api/v1/pairing/proposals"
#: The note as a village's coordinator is told it: VGONE, of village B1, counted.
COUNTED = f"whether 1 visitor is active changed by {LATER}"
COUNTED_ZH = f"而到 {LATER}，有 1 名帮扶人是否在岗发生了变化"
#: The note as the whole programme's manager is told it.
NAMED = f"on {LATER} visitor VGONE is not active"


@dataclass(frozen=True)
class Stale:
    """The web app (and its API) on LATER, over :func:`scoped.nearby` with village A1's
    proposal made on TODAY, stale on LATER for VGONE alone; a token per account: ``coord``
    (village A1's coordinator) and ``boss`` (a manager of the whole programme)."""

    site: TestClient
    engine: Engine
    proposal: int
    tokens: dict[str, str]

    def api(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def sign_in(self, who: str) -> TestClient:
        self.site.cookies.clear()
        r = self.site.post("/login", data={"token": self.tokens[who]})
        assert r.status_code == 303, r.text
        return self.site


@pytest.fixture
def stale(engine: Engine, tmp_path: Path, db_url: str) -> Iterator[Stale]:
    scoped.nearby(engine, tmp_path)
    proposal = propose(engine, "A1").id
    tokens = {
        "coord": add_account(engine, "coord-a1", "coordinator", area="A1"),
        "boss": add_account(engine, "boss", "manager"),
    }
    app = create_app(db_url, today=lambda: LATER)
    with TestClient(app, follow_redirects=False) as site:
        yield Stale(site, engine, proposal, tokens)
    app.state.engine.dispose()


def _no_vgone_since(engine: Engine, after: int) -> None:
    """No event since ``after`` is under VGONE or names it."""
    assert "VGONE" not in repr(trail(engine, after))


def test_the_api_s_read_of_a_proposal_counts_a_visitor_of_another_village(stale: Stale) -> None:
    before = last_event_id(stale.engine)
    r = stale.site.get(f"{PROPOSALS}/{stale.proposal}", headers=stale.api("coord"))
    assert r.status_code == 200, r.text
    assert r.json()["stale"] is True
    assert COUNTED in r.json()["stale_reason"]
    assert "VGONE" not in r.text
    _no_vgone_since(stale.engine, before)
    # The whole programme's manager is told who, and the read is recorded.
    after = last_event_id(stale.engine)
    named = stale.site.get(f"{PROPOSALS}/{stale.proposal}", headers=stale.api("boss")).json()
    assert NAMED in named["stale_reason"]
    assert visitor_reads(stale.engine, after) == [("VGONE", {"pairing_proposal": stale.proposal})]


def test_the_api_s_diff_counts_it_and_lists_the_households_own_visitors_by_id(
    stale: Stale,
) -> None:
    before = last_event_id(stale.engine)
    r = stale.site.get(f"{PROPOSALS}/{stale.proposal}/diff", headers=stale.api("coord"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stale"] is True and COUNTED in body["stale_reason"]
    assert "VGONE" not in r.text
    # H2's visitor lives in village B1 too: the household's own, so named, and read.
    listed = [(c["household"], c["proposed_visitor"]) for c in body["changes"]]
    assert sorted(listed) == [("H1", "VNEAR"), ("H2", "VDE")]
    read = sorted(v for v, _ in visitor_reads(stale.engine, before))
    assert read == ["VDE", "VNEAR"]
    _no_vgone_since(stale.engine, before)
    after = last_event_id(stale.engine)
    named = stale.site.get(f"{PROPOSALS}/{stale.proposal}/diff", headers=stale.api("boss"))
    assert NAMED in named.json()["stale_reason"]
    assert ("VGONE", {"pairing_diff": stale.proposal}) in visitor_reads(stale.engine, after)


def test_the_page_counts_it_in_english_and_in_chinese(stale: Stale) -> None:
    site = stale.sign_in("coord")
    before = last_event_id(stale.engine)
    english = site.get(f"/pairing/{stale.proposal}")
    assert english.status_code == 200
    assert COUNTED in _shown(english.text)
    assert "VGONE" not in english.text and "VDE" in english.text
    chinese = site.get(f"/pairing/{stale.proposal}", headers=ZH)
    assert chinese.status_code == 200
    assert COUNTED_ZH in _shown(chinese.text), _shown(chinese.text)
    assert "VGONE" not in chinese.text
    _chinese(chinese.text)
    _no_vgone_since(stale.engine, before)
    boss = stale.sign_in("boss").get(f"/pairing/{stale.proposal}")
    assert NAMED in _shown(boss.text)


def test_a_refused_commit_counts_it_at_the_api_and_on_the_page(stale: Stale) -> None:
    before = last_event_id(stale.engine)
    refused = stale.site.post(f"{PROPOSALS}/{stale.proposal}/commit", headers=stale.api("coord"))
    assert refused.status_code == 409, refused.text
    assert COUNTED in refused.json()["detail"]
    assert "VGONE" not in refused.text
    site = stale.sign_in("coord")
    for headers, said in (({}, COUNTED), (ZH, COUNTED_ZH)):
        page = site.post(f"/pairing/{stale.proposal}/commit", headers=headers)
        assert page.status_code == 409
        assert said in _shown(page.text)
        assert "VGONE" not in page.text
    _no_vgone_since(stale.engine, before)
    # The manager's refusal names the visitor, and records the read.
    after = last_event_id(stale.engine)
    named = stale.site.post(f"{PROPOSALS}/{stale.proposal}/commit", headers=stale.api("boss"))
    assert named.status_code == 409 and NAMED in named.json()["detail"]
    assert visitor_reads(stale.engine, after) == [("VGONE", {"pairing_proposal": stale.proposal})]
