"""The web app's pages: signing in, the work lists, recording a visit, the figures; each
within the account's scope, as the API's routes are."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.factories.outcomes import indicators_programme
from tests.web.conftest import SignIn


def test_a_page_sends_a_stranger_to_sign_in_and_a_wrong_token_is_told(site: TestClient) -> None:
    r = site.get("/")
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    bad = site.post("/login", data={"token": "dst_wrong"})
    assert bad.status_code == 401
    assert "unknown token" in bad.text


def test_signing_in_keeps_the_token_in_a_cookie_scripts_cannot_read(
    site: TestClient, tokens: dict[str, str]
) -> None:
    r = site.post("/login", data={"token": tokens["v1-coord"]})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = site.get("/")
    assert home.status_code == 200
    assert "Signed in as v1-coord" in home.text
    site.post("/logout")
    site.cookies.clear()
    assert site.get("/").status_code == 303


@pytest.mark.parametrize(
    ("account", "pages"),
    [
        (
            "boss",
            {"/referrals", "/exclusions", "/planning", "/activities", "/imports", "/accounts"},
        ),
        (
            "v1-coord",
            {"/referrals", "/exclusions", "/planning", "/projects", "/imports", "/files/visitor"},
        ),
        ("v1", {"/referrals", "/calendar.ics", "/files/household", "/files/visitor"}),
    ],
)
def test_the_home_page_links_each_page_the_account_may_use_and_no_other(
    sign_in: SignIn, account: str, pages: set[str]
) -> None:
    client = sign_in(account)
    home = client.get("/")
    main = home.text.split("<main")[1].split("</main>")[0]  # not the menu
    linked = set(re.findall(r'<a href="(/[^"?]*)', main))
    assert pages <= linked
    if account == "v1":
        assert "/imports" not in linked
    for page in linked - {"/calendar.ics", "/household", "/visitor"}:
        assert client.get(page).status_code == 200, page


def test_a_coordinator_s_list_shows_its_area_and_is_read_in_the_trail(
    sign_in: SignIn, programme: Engine
) -> None:
    page = sign_in("v1-coord").get("/lists/upcoming", params={"days": 60})
    assert page.status_code == 200, page.text
    for household in ("H0", "H1", "H2"):
        # Each household links to its file.
        assert f'<td><a href="/files/household?id={household}">{household}</a></td>' in page.text
    # And each visitor to theirs; a visitor's own list does not (their file is "My file").
    assert '<td><a href="/files/visitor?id=V1">V1</a></td>' in page.text
    own = sign_in("v1").get("/lists/upcoming", params={"days": 60})
    assert "<td>V1</td>" in own.text and "/files/visitor?id=" not in own.text.split("<main")[1]
    with programme.connect() as conn:
        reads = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_events WHERE actor = 'api:v1-coord' "
                "AND entity = 'household' AND action = 'read'"
            )
        ).scalar_one()
    assert reads == 3
    outside = sign_in("v2-coord").get("/lists/due", params={"area": "R-C"})
    assert outside.status_code == 403
    assert "area R-C is outside account v2-coord&#39;s area R-C-V2" in outside.text


@pytest.mark.parametrize(
    ("kind", "days", "said"),
    [
        ("due", 14, "No household is due within 14 days."),
        ("due", 1, "No household is due within 1 day."),
        ("due", 0, "No household is due today."),
        ("overdue", None, "No household is past its deadline."),
        ("upcoming", 30, "No planned visit begins within 30 days."),
        ("upcoming", 0, "No planned visit begins today."),
        (
            "unrecorded",
            30,
            "No planned visit that began in the last 30 days waits to be recorded or marked "
            "not made.",
        ),
        (
            "unrecorded",
            0,
            "No planned visit that began today waits to be recorded or marked not made.",
        ),
    ],
)
def test_an_empty_list_says_what_there_is_none_of(
    sign_in: SignIn, kind: str, days: int | None, said: str
) -> None:
    # V2's village: no household is paired there, so every list of it is empty.
    params: dict[str, str | int] = {"area": "R-C-V2"} | ({"days": days} if days is not None else {})
    page = sign_in("boss").get(f"/lists/{kind}", params=params)
    assert page.status_code == 200, page.text
    assert f"<p>{said}</p>" in page.text
    assert "No rows" not in page.text and "<table>" not in page.text


def test_a_visitor_records_a_visit_on_the_form_and_not_another_visitor_s(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    form = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    refused = sign_in("v2").post("/record", data=form)
    assert refused.status_code == 403
    assert "records the visits of visitor V2 only" in refused.text
    done = sign_in("v1").post("/record", data={**form, "end": str(first_visit[1])})
    assert done.status_code == 200, done.text
    assert "Recorded the visit of V1 to H0" in done.text
    with programme.connect() as conn:
        made = conn.execute(text("SELECT COUNT(*) FROM visits WHERE status = 'done'")).scalar_one()
    assert made == 1


def test_the_figures_are_an_area_account_s(
    sign_in: SignIn, first_visit: tuple[dt.date, dt.date]
) -> None:
    made = {"household": "H0", "visitor": "V1", "start": first_visit[0].isoformat()}
    assert sign_in("v1").post("/record", data=made).status_code == 200
    page = sign_in("boss").get("/figures", params={"area": "R"})
    assert page.status_code == 200, page.text
    assert "Region (R)" in page.text
    chart = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.text)
    assert chart is not None
    assert b"<svg" in base64.b64decode(chart.group(1))
    assert sign_in("v1").get("/figures").status_code == 403


def test_an_area_s_box_offers_the_account_s_areas_to_pick(sign_in: SignIn) -> None:
    page = sign_in("boss").get("/figures")
    assert '<input name="area" list="areas"' in page.text
    offered = re.findall(r'<option value="([^"]+)">', page.text.split('<datalist id="areas">')[1])
    # The shallowest first: the region, its county, then the villages.
    assert offered[:2] == ["R", "R-C"] and {"R-C-V1", "R-C-V2"} <= set(offered)
    coordinator = sign_in("v2-coord").get("/lists/due")
    assert re.findall(r'<datalist id="areas">(.*?)</datalist>', coordinator.text) == [
        '<option value="R-C-V2">Village two</option>'
    ]
    # A visitor's pages have no area to choose.
    assert '<datalist id="areas">' not in sign_in("v1").get("/lists/due").text


def test_an_area_s_box_is_offered_the_areas_matching_what_is_typed(
    sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from doorstep.services import registry

    boss = sign_in("boss")
    asked = boss.get("/areas/choices", params={"q": "r-c-v"})
    assert asked.status_code == 200, asked.text
    assert asked.json() == [["R-C-V1", "Village one"], ["R-C-V2", "Village two"]]
    # A name holds what is typed, case aside; a wildcard is itself.
    assert boss.get("/areas/choices", params={"q": "TWO"}).json() == [["R-C-V2", "Village two"]]
    assert boss.get("/areas/choices", params={"q": "%"}).json() == []
    assert boss.get("/areas/choices", params={"q": "R_C"}).json() == []
    # An account is offered its own subtree's only; a visitor's, none.
    coordinator = sign_in("v2-coord")
    assert coordinator.get("/areas/choices", params={"q": "R"}).json() == [
        ["R-C-V2", "Village two"]
    ]
    assert sign_in("v1").get("/areas/choices", params={"q": "R"}).json() == []
    # The page's list says when it was cut short, for its script to ask as a box is typed in.
    boss = sign_in("boss")
    assert "data-more" not in boss.get("/figures").text
    monkeypatch.setattr(registry, "AREA_CHOICES", 2)
    page = boss.get("/figures").text
    assert '<datalist id="areas" data-more="/areas/choices">' in page
    assert re.findall(r'<option value="([^"]+)">', page.split('<datalist id="areas"')[1]) == [
        "R",
        "R-C",
    ]


def test_an_organisation_s_box_offers_the_organisations_and_a_code_s_the_listed_ones(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    orgs = [["JOBS", "Job centre", "department"], ["CLINIC", "Clinic", "department"]]
    run_import(
        programme, "organisations", write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    )
    offered = (
        '<datalist id="organisations"><option value="CLINIC">Clinic</option>'
        '<option value="JOBS">Job centre</option></datalist>'
    )
    # A field visitor refers a household at the door: its form offers them too.
    refer = sign_in("v1").get("/refer").text
    assert offered in refer and 'name="organisation" list="organisations"' in refer
    boss = sign_in("boss")
    for path in ("/referrals", "/activities", "/projects"):
        assert offered in boss.get(path).text, path
    assert '<datalist id="organisations">' not in boss.get("/figures").text
    added = boss.post(
        "/activities",
        data={"code": "CAMP", "kind": "trip", "title": "Summer camp", "area": "R-C-V1"}
        | {"starts_on": "2027-02-01", "organiser": "JOBS"},
    )
    assert added.status_code == 200, added.text
    assert (
        '<datalist id="listed-codes"><option value="CAMP">Summer camp</option></datalist>'
        in added.text
    )
    assert '<input name="code" list="listed-codes" required>' in added.text


def test_every_box_for_an_organisation_s_code_is_offered_the_organisations() -> None:
    from doorstep.web.pages import ORGANISATION_FORMS, TEMPLATES

    boxes = re.compile(r'<input[^>]*name="(?:organisation|sponsor|organiser)"[^>]*>')
    with_box = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if boxes.search(path.read_text())
    }
    assert with_box == ORGANISATION_FORMS
    for name in with_box:
        found = boxes.findall((TEMPLATES / name).read_text())
        assert found and all('list="organisations"' in box for box in found), name


def test_every_box_for_an_area_s_code_is_offered_the_areas() -> None:
    from doorstep.web.pages import AREA_FORMS, TEMPLATES

    with_box = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if 'name="area"' in path.read_text()
    }
    assert with_box == AREA_FORMS
    for name in with_box:
        boxes = re.findall(r'<input[^>]*name="area"[^>]*>', (TEMPLATES / name).read_text())
        assert boxes and all('list="areas"' in box for box in boxes), name


def test_a_form_s_box_left_empty_is_a_field_not_given(
    sign_in: SignIn, site: TestClient, tokens: dict[str, str]
) -> None:
    boss = sign_in("boss")
    # What the outcomes form sends with no year typed: the latest year, not "check year".
    outcomes = boss.get("/outcomes", params={"area": "R", "year": "", "poverty_line": "4000"})
    assert outcomes.status_code == 200, outcomes.text
    due = boss.get("/lists/due", params={"area": " ", "days": "", "limit": "200"})
    assert due.status_code == 200, due.text
    assert 'name="days" type="number" min="0" max="366" value="14"' in due.text
    # The API keeps what it is sent: a client writing days= is told.
    api = site.get(
        "/api/v1/visits/due",
        params={"days": ""},
        headers={"Authorization": f"Bearer {tokens['boss']}"},
    )
    assert api.status_code == 422, api.text


def test_the_figures_page_chooses_its_area_and_period_and_downloads_them(
    sign_in: SignIn, programme: Engine
) -> None:
    boss = sign_in("boss")
    page = boss.get("/figures", params={"area": "R", "from": "2026-01-01", "to": "2026-06-30"})
    assert page.status_code == 200, page.text
    assert "Region (R), 2026-01-01 to 2026-06-30" in page.text
    # The form shows what is shown; each area within links to its own, for the same period.
    assert '<input type="date" name="from" value="2026-01-01">' in page.text
    assert '<a href="/figures?area=R-C&amp;from=2026-01-01&amp;to=2026-06-30">R-C</a>' in page.text
    county = boss.get("/figures", params={"area": "R-C", "from": "2026-01-01", "to": "2026-06-30"})
    assert "County (R-C), 2026-01-01 to 2026-06-30" in county.text
    # The form's boxes left empty are its defaults: the twelve months up to today.
    blank = boss.get("/figures", params={"area": "", "from": "", "to": ""})
    assert blank.status_code == 200, blank.text
    assert "Region (R), 2026-04-01 to 2027-03-01" in blank.text
    # A period without a visit made or missed has a sentence, not an empty chart.
    before = boss.get("/figures", params={"area": "R", "from": "2001-01-01", "to": "2001-03-31"})
    assert "data:image/svg+xml" not in before.text
    assert "from 2001-01-01 to 2001-03-31, so there is no chart to draw." in before.text
    wrong = boss.get("/figures", params={"from": "2026-07-01", "to": "2026-01-01"})
    assert wrong.status_code == 422 and "is after" in wrong.text
    link = re.search(r'<a href="/figures.xlsx\?([^"]+)" download>by area and month</a>', page.text)
    assert link is not None
    got = boss.get("/figures.xlsx?" + html.unescape(link.group(1)))
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"] == (
        'attachment; filename="figures-R-area-month-2026-01-01-2026-06-30.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["area_code", "area_name", "month"]
    # Each area's six months, then the whole area's: what `doorstep report --by area-month` writes.
    assert [(r[0], r[2]) for r in rows[1:]][:2] == [("R-C", "2026-01"), ("R-C", "2026-02")]
    assert len(rows) == 1 + 2 * 6
    assert sign_in("v1").get("/figures.xlsx").status_code == 403
    with programme.connect() as conn:
        reads = conn.execute(
            text("SELECT COUNT(*) FROM audit_events WHERE actor = 'api:boss' AND entity = 'report'")
        ).scalar_one()
    assert reads >= 4  # the pages and the file, each read as the command reads it


def test_a_visitor_records_a_withdrawal_and_gets_its_calendar(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("v1")
    calendar = site.get("/calendar.ics")
    assert calendar.status_code == 200
    assert calendar.text.count("BEGIN:VEVENT") > 0
    done = site.post(
        "/consent", data={"household": "H1", "state": "withdrawn", "evidence": "at the door"}
    )
    assert done.status_code == 200, done.text
    assert "consent is withdrawn from 2027-03-01 (was given" in done.text
    again = site.post(
        "/consent", data={"household": "H1", "state": "withdrawn", "evidence": "at the door"}
    )
    assert again.status_code == 409
    assert "withdrawn already" in again.text
    with programme.connect() as conn:
        state = conn.execute(
            text("SELECT consent_state FROM households WHERE external_id = 'H1'")
        ).scalar_one()
    assert state == "withdrawn"
    assert sign_in("v1-coord").get("/calendar.ics").status_code == 403


def _households(page: str) -> list[str]:
    return re.findall(r'<td><a href="/files/household\?id=H\d+">(H\d+)</a></td>', page)


def test_a_list_shows_a_page_at_a_time_with_links_to_the_next_and_the_previous(
    sign_in: SignIn, programme: Engine
) -> None:
    site = sign_in("boss")
    whole = site.get("/lists/upcoming", params={"days": 60, "limit": 2000})
    assert whole.status_code == 200, whole.text
    total = len(_households(whole.text))
    assert total >= 3
    assert f"Rows 1–{total} of {total}." in whole.text
    assert 'rel="next"' not in whole.text and 'rel="prev"' not in whole.text
    shown, pages = [], []
    page = site.get("/lists/upcoming", params={"days": 60, "limit": 1})
    while True:
        assert page.status_code == 200, page.text
        pages.append(page.text)
        shown += _households(page.text)
        link = re.search(r'<a href="\?([^"]+)" rel="next">', page.text)
        if link is None:
            break
        page = site.get("/lists/upcoming?" + html.unescape(link.group(1)))
    assert shown == _households(whole.text)
    assert len(pages) == total
    for n, body in enumerate(pages, 1):
        assert f"Rows {n}–{n} of {total}." in body
    assert 'rel="prev"' not in pages[0] and 'rel="prev"' in pages[1]
    # The second page's previous is the first, and the last's the one before it.
    back = re.search(r'<a href="\?([^"]+)" rel="prev">', pages[-1])
    assert back is not None
    before = site.get("/lists/upcoming?" + html.unescape(back.group(1)))
    assert before.text == pages[-2]
    first = re.search(r'<a href="\?([^"]+)" rel="prev">', pages[1])
    assert first is not None and "after=" not in first.group(1)
    with programme.connect() as conn:
        reads = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_events WHERE actor = 'api:boss' "
                "AND entity = 'household' AND action = 'read'"
            )
        ).scalar_one()
    # Each page reads the households it shows, once each: the whole list's, then the
    # pages', then the page before the last's again.
    assert reads == sum(len(set(_households(p))) for p in [whole.text, *pages, before.text])


def test_a_bad_cursor_is_shown_on_the_page_as_invalid(sign_in: SignIn) -> None:
    page = sign_in("boss").get("/lists/due", params={"after": "nonsense"})
    assert page.status_code == 422
    assert "is not a place in the due list" in page.text


def test_the_outcomes_page_shows_an_area_s_figures_and_their_chart(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    empty = sign_in("boss").get("/outcomes")
    assert empty.status_code == 200 and "No household here has reported" in empty.text
    indicators_programme(programme, tmp_path)
    page = sign_in("v2-coord").get("/outcomes", params={"year": 2025})
    assert page.status_code == 200, page.text
    assert "2025, by area" in page.text and "R-C-V2" in page.text
    chart = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page.text)
    assert chart is not None
    assert b"<svg" in base64.b64decode(chart.group(1))
    assert sign_in("v2-coord").get("/outcomes", params={"area": "R"}).status_code == 403
    assert sign_in("v1").get("/outcomes").status_code == 403


def test_a_coordinator_records_who_took_part_in_an_activity_on_its_page(
    sign_in: SignIn, programme: Engine
) -> None:
    coord = sign_in("v1-coord")
    # With none yet, the page offers to add one, not to record who took part in one.
    empty = coord.get("/activities").text
    assert "<h2>Add a group activity</h2>" in empty and "Record who took part" not in empty
    made = coord.post(
        "/activities",
        data={
            "code": "CAMP",
            "kind": "summer_camp",
            "title": "Camp",
            "area": "R-C-V1",
            "starts_on": "2027-02-01",
        },
    )
    assert made.status_code == 200, made.text
    assert "Added CAMP: Camp, in R-C-V1 from 2027-02-01." in made.text
    assert "<title>Group activities · Doorstep</title>" in made.text
    assert made.text.count("<h2>Add a group activity</h2>") == 1
    assert "<td>CAMP</td><td>summer camp</td><td>Camp</td>" in made.text  # its label
    wrong = coord.post(
        "/activities",
        data={"code": "X", "kind": "party", "title": "X", "area": "R-C-V1", "starts_on": "2027"},
    )
    assert wrong.status_code == 422 and "check kind, starts_on" in wrong.text
    form = {"code": "CAMP", "households": "H0, H1\nH2", "visitors": "V1"}
    done = coord.post("/activities/attendance", data=form)
    assert done.status_code == 200, done.text
    assert "Recorded 4 taking part" in done.text
    assert re.search(r"<td>CAMP</td>.*<td class=\"num\">3</td><td class=\"num\">1</td>", done.text)
    refused = sign_in("v2-coord").post("/activities/attendance", data=form)
    assert refused.status_code == 403
    elsewhere = sign_in("v2-coord").post(
        "/activities",
        data={
            "code": "X",
            "kind": "trip",
            "title": "X",
            "area": "R-C-V1",
            "starts_on": "2027-02-01",
        },
    )
    assert elsewhere.status_code == 403
    assert sign_in("v1").get("/activities").status_code == 403


def test_a_coordinator_keeps_a_project_on_its_page(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    orgs = write_csv(tmp_path / "o.csv", ["code", "name", "kind"], [["S1", "Trust", "sponsor"]])
    run_import(programme, "organisations", orgs)
    coord = sign_in("v1-coord")
    empty = coord.get("/projects").text
    assert "<h2>Add a project</h2>" in empty and "Move a project on" not in empty
    made = coord.post(
        "/projects",
        data={
            "code": "WELL",
            "title": "Village well",
            "sponsor": "S1",
            "area": "R-C-V1",
            "starts_on": "2027-01-05",
            "ends_on": "2027-02-01",
            "status": "running",
        },
    )
    assert made.status_code == 200, made.text
    assert "Added project WELL: Village well, sponsored by S1." in made.text
    assert "<title>Projects · Doorstep</title>" in made.text
    assert made.text.count("<h2>Add a project</h2>") == 1
    unknown = coord.post(
        "/projects",
        data={
            "code": "W2",
            "title": "W",
            "sponsor": "NOPE",
            "area": "R-C-V1",
            "starts_on": "2027-01-05",
        },
    )
    assert unknown.status_code == 404
    listed = coord.get("/projects")
    assert "WELL" in listed.text and "(past its last day)" in listed.text
    took = coord.post("/projects/households", data={"code": "WELL", "households": "H0, H1"})
    assert took.status_code == 200, took.text
    assert "Recorded 2 households for WELL." in took.text
    done = coord.post("/projects/status", data={"code": "WELL", "status": "done"})
    assert "Project WELL is done (was running)." in done.text
    assert "(past its last day)" not in done.text
    back = coord.post("/projects/status", data={"code": "WELL", "status": "running"})
    assert back.status_code == 409 and "not back" in back.text
    other = sign_in("v2-coord").post("/projects/status", data={"code": "WELL", "status": "done"})
    assert other.status_code == 403
    assert sign_in("v1").get("/projects").status_code == 403


def test_an_address_or_form_a_page_cannot_read_is_told_on_a_page(
    site: TestClient,
    sign_in: SignIn,
    tokens: dict[str, str],
) -> None:
    """A field typed wrong (days, a year, a page's size) is named on the page, with the
    account's links, as any other refusal; the API keeps its problem document."""
    page = sign_in("v1-coord")
    for address, field in (
        ("/lists/due?days=abc", "days"),
        ("/lists/due?limit=0", "limit"),
        ("/outcomes?year=1800", "year"),
        ("/pairing/abc", "proposal"),
    ):
        got = page.get(address)
        assert got.status_code == 422, address
        assert got.headers["content-type"].startswith("text/html"), address
        assert f"check {field}: " in got.text, got.text
        assert 'href="/figures"' in got.text  # the signed-in account's page, not a stranger's
    bearer = {"Authorization": f"Bearer {tokens['v1-coord']}"}
    api = page.get("/api/v1/visits/due", params={"limit": "abc"}, headers=bearer)
    assert api.status_code == 422
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["detail"].startswith("query.limit: ")
    site.cookies.clear()
    assert site.get("/lists/due?days=abc").headers["location"] == "/login"
