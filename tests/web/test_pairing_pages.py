"""The pairing pages: a coordinator makes a proposal for their area, reviews its figures
and changes, and commits or discards it with a button, each act in the trail as over the
API; a visitor's account and another area's coordinator are refused."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.test_pairing import newcomers, open_pairings
from tests.factories.audit import last_event_id
from tests.web.conftest import SignIn


def made(page_location: str) -> int:
    found = re.fullmatch(r"/pairing/(\d+)", page_location)
    assert found, page_location
    return int(found.group(1))


def test_a_coordinator_makes_reviews_and_commits_a_proposal_from_the_pages(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    newcomers(programme, tmp_path)
    site = sign_in("v1-coord")
    r = site.post("/pairing", data={"area": "R-C-V1", "max_km": "30", "keep_km": ""})
    assert r.status_code == 303, r.text
    pid = made(r.headers["location"])
    listing = site.get("/pairing")
    assert listing.status_code == 200
    assert f'href="/pairing/{pid}"' in listing.text
    page = site.get(f"/pairing/{pid}")
    assert page.status_code == 200
    assert f"Pairing proposal {pid} for R-C-V1 (open)" in page.text
    assert "Households whose pairing would change: 2" in page.text
    assert f'proposal={pid}">H3</a></td>' in page.text and "<td>V3</td>" in page.text
    assert f'action="/pairing/{pid}/commit"' in page.text
    before = last_event_id(programme)
    done = site.post(f"/pairing/{pid}/commit")
    assert done.status_code == 200, done.text
    assert "Committed: 2 pairings started, 0 ended, 3 households unchanged." in done.text
    assert f'action="/pairing/{pid}/commit"' not in done.text  # committed: no buttons
    # Its changes are now those since its commit: none, where "would change" read as a promise.
    assert "Households paired otherwise now than by this proposal: 0" in done.text
    assert "Every household is paired now as this proposal paired it." in done.text
    assert "would change" not in done.text
    assert open_pairings(programme)["H3"] == ("V3", pid)
    with programme.connect() as conn:
        commit = conn.execute(
            text(
                "SELECT actor, action FROM audit_events WHERE id > :a "
                "AND entity = 'pairing_proposal' AND entity_id = :p ORDER BY id LIMIT 1"
            ),
            {"a": before, "p": str(pid)},
        ).one()
    assert tuple(commit) == ("api:v1-coord", "update")


def test_a_stale_proposal_s_commit_is_refused_on_its_page_and_recorded_as_tried(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1-coord")
    pid = made(site.post("/pairing", data={"area": "R-C-V1"}).headers["location"])
    withdrawn = {"household": "H0", "state": "withdrawn", "evidence": "a letter"}
    assert site.post("/consent", data=withdrawn).status_code == 200
    before = last_event_id(programme)
    r = site.post(f"/pairing/{pid}/commit")
    assert r.status_code == 409
    assert "open, stale" in r.text and 'class="error"' in r.text
    with programme.connect() as conn:
        detail = conn.execute(
            text(
                "SELECT detail FROM audit_events WHERE id > :a AND entity = 'pairing_proposal' "
                "AND action = 'update'"
            ),
            {"a": before},
        ).scalar_one()
    assert "refused" in str(detail)
    assert open_pairings(programme)["H0"][0] == "V1"


def _proposed_by_the_manager(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> tuple[TestClient, int]:
    """The manager signed in, and its proposal for R-C-V1, whose newcomers are unpaired."""
    newcomers(programme, tmp_path)
    site = sign_in("boss")
    return site, made(site.post("/pairing", data={"area": "R-C-V1"}).headers["location"])


def test_a_discarded_proposal_leaves_the_pairings_and_loses_its_buttons(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    site, pid = _proposed_by_the_manager(sign_in, programme, tmp_path)
    r = site.post(f"/pairing/{pid}/discard")
    assert r.status_code == 200
    assert f"Pairing proposal {pid} for R-C-V1 (discarded)" in r.text
    assert "Discarded." in r.text
    assert "Households this proposal pairs otherwise than now: 2" in r.text
    assert "H3" not in open_pairings(programme)


def test_the_pairing_pages_refuse_a_visitor_and_another_area_s_coordinator(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1-coord")
    pid = made(site.post("/pairing", data={"area": "R-C-V1"}).headers["location"])
    visitor = sign_in("v1")
    assert visitor.get("/pairing").status_code == 403
    assert visitor.get(f"/pairing/{pid}").status_code == 403
    assert visitor.post("/pairing", data={"area": "R-C-V1"}).status_code == 403
    other = sign_in("v2-coord")
    outside = other.post("/pairing", data={"area": "R-C-V1"})
    assert outside.status_code == 403
    assert "outside account v2-coord&#39;s area R-C-V2" in outside.text  # as escaped
    assert other.get(f"/pairing/{pid}").status_code == 403
    assert other.post(f"/pairing/{pid}/commit").status_code == 403
    assert other.post(f"/pairing/{pid}/discard").status_code == 403
    with programme.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM pairing_proposals WHERE id = :p"), {"p": pid}
        ).scalar_one()
    assert status == "open"


def test_a_page_of_proposals_or_changes_past_any_list_is_refused_naming_offset(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    # Past 64 bits the database refused the OFFSET itself: a 500 (the API's lists too).
    site, pid = _proposed_by_the_manager(sign_in, programme, tmp_path)
    for page in ("/pairing", f"/pairing/{pid}"):
        far = site.get(page, params={"offset": str(2**70)})
        assert far.status_code == 422 and "check offset" in far.text, page
        assert site.get(page, params={"offset": "-5"}).status_code == 200  # the first page
        assert site.get(page, params={"offset": str(2**31 - 1)}).status_code == 200


def test_a_proposal_s_counts_are_written_with_their_digits_grouped() -> None:
    """At a region's scale (18,376 pairs kept), every count of the page reads as the
    figures above it do, not as 18376: the page rendered with such figures."""
    import datetime as dt
    from types import SimpleNamespace as Ns

    from doorstep.web.pages import templates

    churn = {"kept": 1200, "moved": 2500, "ended": 1500, "new": 18376}
    figures = {
        **{"households": 20000, "consenting": 18376, "paired": 18376, "unpaired": 1624},
        **{"unpaired_reasons": {}, "mean_distance_m": 2600.0, "p95_distance_m": 22030.0},
        **{"churn": churn, "certified": True, "mode": "full"},
    }
    view = Ns(
        id=1,
        area_code="GZ",
        status="committed",
        stale=False,
        commit=Ns(started=18376, still_open=18001),
        committed_at=dt.datetime(2026, 12, 7, 20, 36),
    )
    page = (
        templates["en"]
        .env.get_template("pairing/proposal.html")
        .render(
            request=Ns(url=Ns(path="/pairing/1", query="")),
            who=None,
            view=view,
            f=figures,
            caseloads=[("0", 2755), ("1", 3127)],
            changes=Ns(total=0, changes=[]),
            stale_reason=None,
        )
    )
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert "1,200 / 1,000 / 1,500 / 18,376" in cells
    assert "18,376 (18,001)" in cells
    assert cells[-4:] == ["0", "2,755", "1", "3,127"]
    assert not [c for c in cells if re.search(r"\d{4}", c.replace("2026-12-07 20:36", ""))]
