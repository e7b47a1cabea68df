"""A household's pairing explained on a page: its visitor and distance, or why it has none,
and the nearest other visitors with why each was not chosen, as the API gives them; for an
area's accounts, in their area, recorded in the trail as the API's route records it, and
in Chinese on a Chinese page, its reasons too."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.engine.pairing.explain import NotChosen
from doorstep.engine.pairing.params import PairingParams
from doorstep.services import exclusions, pairing
from doorstep.services.visitor_days import end_visitor
from doorstep.storage.session import unit_of_work
from doorstep.web.explain_pages import MEANINGS
from doorstep.web.labels import LABELS
from tests.api.conftest import TODAY
from tests.api.test_pairing import events_since, newcomers
from tests.factories.audit import last_event_id, trail
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n import ZH, _chinese
from tests.web.test_i18n_refusals import _shown

#: H0's alternatives, nearest first, and why each was not chosen, by their labels.
H0_ALTERNATIVES = [
    ("V3", "no shared language"),
    ("V5", "kept apart"),
    ("V2", "full"),
    ("V4", "farther"),
]


@pytest.fixture
def paired(programme: Engine, tmp_path: Path) -> int:
    """Beside V1 (H0-H2, three places) and V2 (no places, where V1 lives): V3, at H0's
    door, who speaks only English; V5, 0.56 km from H0 and kept apart from it; V4, 5.4 km
    off with room; and H5, who speaks only French. Area R paired anew and committed on
    TODAY: H0-H2 stay with V1 and H5 is left unpaired. The proposal's id."""
    vv = [
        visitor(visitor_id="V3", lat=26.58, lon=107.98, languages="en"),
        visitor(visitor_id="V4", lat=26.62, lon=107.95),
        visitor(visitor_id="V5", lat=26.585, lon=107.98),
    ]
    run_import(programme, "visitors", write_csv(tmp_path / "v345.csv", VISITOR_HEADER, vv))
    hh = [household(household_id="H5", lat=26.59, languages="fr")]
    run_import(programme, "households", write_csv(tmp_path / "h5.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(programme) as s:
        exclusions.exclude(s, "H0", "V5", reason=None, actor="test", today=TODAY)
    with unit_of_work(programme) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=TODAY)
        pairing.commit(s, view.id, actor="test", today=TODAY)
    return view.id


def _alternatives(page: str) -> list[tuple[str, str]]:
    """The page's alternatives: each visitor and the words of why it was not chosen."""
    rows = re.findall(r'<tr>\s*<td><a href="/files/visitor\?id=(\w+)">.*?</tr>', page, flags=re.S)
    whys = re.findall(r"<td>([^<]*)</td>\s*</tr>", page)
    assert len(rows) == len(whys), page
    return list(zip(rows, (w.strip() for w in whys), strict=True))


def _api(site: TestClient, token: str, household: str) -> dict[str, Any]:
    r = site.get(
        f"/api/v1/households/{household}/pairing", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_coordinator_sees_the_household_s_visitor_and_why_not_the_nearest_others(
    sign_in: SignIn, tokens: dict[str, str], paired: int
) -> None:
    site = sign_in("v1-coord")
    page = site.get("/pairing/explain", params={"household": "H0"})
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    api = _api(site, tokens["v1-coord"], "H0")
    km = f"{api['distance_m'] / 1000:.2f}"
    # (A link's tags are read as spaces.)
    assert f"Visitor V1 , {km} km from the household (proposal {paired} for R, committed)." in (
        shown
    )
    # Not a link: the proposal is area R's, which a village's account may not open.
    assert f'href="/pairing/{paired}"' not in page.text
    assert _alternatives(page.text) == H0_ALTERNATIVES
    # The same visitors, in the same order, as the API gives.
    assert [a["visitor"] for a in api["alternatives"]] == [v for v, _ in H0_ALTERNATIVES]
    # What each reason shown means, under the list.
    assert "the household and the visitor are kept apart" in shown
    assert "has room, but is farther than the visitor chosen" in shown


def test_the_proposal_is_linked_for_an_account_that_may_open_it_and_named_for_another(
    sign_in: SignIn, paired: int
) -> None:
    """A village's account is told which proposal of region R explains its household, but
    not offered a link to a page that refuses it (the crawl of ``test_crawl`` found it)."""
    boss = sign_in("boss")
    page = boss.get("/pairing/explain", params={"household": "H0"}).text
    assert f'<a href="/pairing/{paired}">{paired}</a>' in page
    assert boss.get(f"/pairing/{paired}").status_code == 200
    coord = sign_in("v1-coord")
    page = coord.get("/pairing/explain", params={"household": "H0"}).text
    assert f"(proposal {paired} for R, committed)." in _shown(page)
    assert f'href="/pairing/{paired}"' not in page
    assert coord.get(f"/pairing/{paired}").status_code == 403


def _table(page: str) -> list[list[str]]:
    """The cells of each row of the page's list of alternatives, as a reader sees them."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [[_shown(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)] for r in rows]


def test_a_nearby_visitor_of_another_village_is_shown_to_a_coordinator_by_distance_and_reason(
    sign_in: SignIn, programme: Engine, paired: int, tmp_path: Path
) -> None:
    # VB lives in village R-C-V2, 110 m from H0, with no places: v1-coord's area is R-C-V1.
    vb = visitor(visitor_id="VB", home_area_code="R-C-V2", lat=26.581, lon=107.98, capacity=0)
    run_import(programme, "visitors", write_csv(tmp_path / "vb.csv", VISITOR_HEADER, [vb]))
    site = sign_in("v1-coord")
    before = last_event_id(programme)
    page = site.get("/pairing/explain", params={"household": "H0"})
    assert page.status_code == 200, page.text
    assert "VB" not in page.text
    rows = _table(page.text)
    assert rows[1] == ["A visitor outside your area", "0.11", "–", "–", "–", "full"]
    assert [r[0] for r in rows] == ["V3", "A visitor outside your area", "V5", "V2", "V4"]
    assert "A visitor who lives outside your area is shown by distance and reason alone" in (
        _shown(page.text)
    )
    read = {i for a, e, i, _ in trail(programme, before) if (a, e) == ("read", "visitor")}
    assert read == {"V1", "V2", "V3", "V4", "V5"}
    chinese = site.get("/pairing/explain", params={"household": "H0"}, headers=ZH)
    _chinese(chinese.text)
    assert _table(chinese.text)[1][0] == "您的地区以外的一名帮扶人"
    assert "VB" not in chinese.text
    # The region's manager is told who VB is.
    boss = sign_in("boss").get("/pairing/explain", params={"household": "H0"})
    assert _alternatives(boss.text)[:2] == [("V3", "no shared language"), ("VB", "full")]
    assert "A visitor outside your area" not in boss.text


def test_an_unpaired_household_s_page_says_why_it_has_no_visitor(
    sign_in: SignIn, paired: int
) -> None:
    site = sign_in("boss")
    page = site.get("/pairing/explain", params={"household": "H5", "proposal": paired})
    assert page.status_code == 200, page.text
    assert "No visitor: no shared language (proposal" in _shown(page.text)
    whys = {why for _, why in _alternatives(page.text)}
    assert whys == {"no shared language"}


def test_the_page_is_recorded_in_the_trail_as_the_api_s_explanation_is(
    sign_in: SignIn, tokens: dict[str, str], programme: Engine, paired: int
) -> None:
    site = sign_in("v1-coord")
    before = last_event_id(programme)
    assert site.get("/pairing/explain?household=H0").status_code == 200
    by_page = trail(programme, before)
    page_actors = {actor for actor, *_ in events_since(programme, before)}
    middle = last_event_id(programme)
    _api(site, tokens["v1-coord"], "H0")
    assert by_page == trail(programme, middle)
    assert page_actors == {"api:v1-coord"}
    assert ("read", "pairing_explanation", "H0", {"proposal": paired}) in by_page
    read = {i for a, e, i, _ in by_page if (a, e) == ("read", "visitor")}
    assert read == {"V1", "V2", "V3", "V4", "V5"}


def test_a_coordinator_of_another_area_and_a_visitor_are_refused(
    sign_in: SignIn, programme: Engine, paired: int
) -> None:
    site = sign_in("v2-coord")
    before = last_event_id(programme)
    outside = site.get("/pairing/explain?household=H0")
    assert outside.status_code == 403
    assert "household H0 lives outside account v2-coord's area R-C-V2" in _shown(outside.text)
    assert not [e for e in trail(programme, before) if e[1] == "pairing_explanation"]
    mine = sign_in("v1")
    refused = mine.get("/pairing/explain?household=H0")
    assert refused.status_code == 403
    assert "a pairing's explanation names other visitors" in _shown(refused.text)


def test_an_unknown_household_and_one_in_no_proposal_are_said_on_the_page(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    hh = [household(household_id="H9", lat=26.59)]
    run_import(programme, "households", write_csv(tmp_path / "h9.csv", HOUSEHOLD_HEADER, hh))
    site = sign_in("v1-coord")
    unknown = site.get("/pairing/explain?household=H8")
    assert unknown.status_code == 404
    assert "no household with id 'H8'" in _shown(unknown.text)
    none_yet = site.get("/pairing/explain?household=H9")
    assert none_yet.status_code == 404
    assert "household 'H9' is in no pairing proposal yet" in _shown(none_yet.text)


def test_the_chinese_page_gives_every_reason_in_chinese(
    sign_in: SignIn, programme: Engine, paired: int
) -> None:
    site = sign_in("v1-coord")
    page = site.get("/pairing/explain?household=H0", headers=ZH)
    assert page.status_code == 200, page.text
    _chinese(page.text)
    assert _alternatives(page.text) == [
        ("V3", "无共同语言"),
        ("V5", "回避结对"),
        ("V2", "已满员"),
        ("V4", "更远"),
    ]
    shown = _shown(page.text)
    assert "已确认" in shown and "该农户与该帮扶人回避结对" in shown
    for _, english in H0_ALTERNATIVES:
        assert english not in shown
    unpaired = site.get("/pairing/explain?household=H5", headers=ZH)
    _chinese(unpaired.text)
    assert "没有帮扶人：无共同语言" in _shown(unpaired.text)
    # Why the proposal is stale is the service's, said in Chinese too.
    withdrawn = {"household": "H2", "state": "withdrawn", "evidence": "a letter"}
    assert site.post("/consent", data=withdrawn).status_code == 200
    stale = site.get("/pairing/explain?household=H0", headers=ZH)
    _chinese(stale.text)
    shown = _shown(stale.text)
    assert f"（R 的结对方案 {paired}，已确认、已过时）" in shown  # its number: no link
    assert f"已过时：结对方案 {paired} 确认后，地区 R 有了变化" in shown, shown
    assert "以上结对为结对方案中的结对；以下原因依据今天的数据。" in shown
    assert "is stale" not in shown


def test_the_household_s_file_and_a_proposal_s_changes_link_to_the_explanation(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    site = sign_in("v1-coord")
    link = 'href="/pairing/explain?household=H0"'
    assert link in site.get("/files/household?id=H0").text
    assert 'href="/pairing/explain"' in site.get("/pairing").text
    made = site.post("/pairing", data={"area": "R-C-V1"})
    pid = int(made.headers["location"].rsplit("/", 1)[1])
    changes = site.get(f"/pairing/{pid}").text
    assert f'href="/pairing/explain?household=H3&amp;proposal={pid}">H3</a>' in changes
    # A visitor's account reads its household's file, but no explanation: no link.
    assert link not in sign_in("v1").get("/files/household?id=H0").text
    # With no household, the page is the form that asks for one.
    form = site.get("/pairing/explain")
    assert form.status_code == 200 and 'name="household"' in form.text


def test_a_visitor_about_to_leave_is_full_with_its_last_day_in_the_page_s_language(
    sign_in: SignIn, programme: Engine, paired: int
) -> None:
    last = TODAY + dt.timedelta(days=10)
    with unit_of_work(programme) as s:
        end_visitor(s, "V4", last, actor="test", today=TODAY)
    site = sign_in("v1-coord")
    english = site.get("/pairing/explain?household=H0")
    assert ("V4", f"full (leaving {last}: no new households)") in _alternatives(english.text)
    chinese = site.get("/pairing/explain?household=H0", headers=ZH)
    assert ("V4", f"已满员（即将于 {last} 离岗：不再结对新农户）") in _alternatives(chinese.text)
    _chinese(chinese.text)


def test_a_household_only_a_discarded_proposal_holds_is_explained_by_it_with_a_note(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    site = sign_in("v1-coord")
    made = site.post("/pairing", data={"area": "R-C-V1"})
    pid = int(made.headers["location"].rsplit("/", 1)[1])
    assert site.post(f"/pairing/{pid}/discard").status_code == 200
    page = site.get("/pairing/explain?household=H3")
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert "Visitor V3 ," in shown and f"(proposal {pid} for R-C-V1, discarded)" in shown
    assert "No open or committed proposal holds this household; this one is discarded." in shown


def test_every_reason_an_alternative_is_not_chosen_has_a_label_and_a_meaning() -> None:
    """A reason the engine adds later would be shown as its code, unexplained."""
    whys = {why.value for why in NotChosen} | {"as_near"}
    assert set(MEANINGS) == whys
    assert whys <= set(LABELS)
