"""Recording a visit on the page: the form's own visit id, the outbox's address
(``/record/sync``), and what lets the form open with no network (worker, manifest,
scripts). The browser's side is in ``test_offline_browser.py``."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.web.conftest import SignIn


def _done_visits(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, vi.client_uuid FROM visits vi "
                "JOIN households h ON h.id = vi.household_id WHERE vi.status = 'done'"
            )
        ).all()
    return [(str(h), str(c)) for h, c in rows]


def _form_id(page: str) -> str:
    found = re.search(r'name="visit_id" value="([^"]*)"', page)
    assert found is not None, page
    return found.group(1)


def test_each_drawn_form_carries_a_visit_id_of_its_own(sign_in: SignIn) -> None:
    site = sign_in("v1")
    one, two = (_form_id(site.get("/record").text) for _ in range(2))
    assert uuid.UUID(one).version == 4
    assert one != two


def test_a_form_sent_twice_records_one_visit(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    site = sign_in("v1")
    vid = _form_id(site.get("/record", params={"household": "H0"}).text)
    form = {"household": "H0", "visitor": "V1", "start": str(first_visit[0]), "visit_id": vid}
    first = site.post("/record", data=form)
    assert first.status_code == 200, first.text
    assert "Recorded the visit of V1 to H0" in first.text
    again = site.post("/record", data=form)
    assert again.status_code == 200, again.text
    assert "Recorded already the visit of V1 to H0" in again.text
    assert _done_visits(programme) == [("H0", vid)]
    # The page drawn after a visit is recorded is a new form: a new id.
    assert _form_id(again.text) not in ("", vid)


def test_the_outbox_sends_a_visit_once_however_often_it_is_sent(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    site = sign_in("v1")
    vid = str(uuid.uuid4())
    visit = {
        "visit_id": vid,
        "household": "H0",
        "visitor": "V1",
        "start": str(first_visit[0]),
        "end": str(first_visit[1]),
        "note": "kept offline",
    }
    sent = site.post("/record/sync", json=visit)
    assert sent.status_code == 200, sent.text
    assert sent.json()["recorded"] is True
    assert sent.json()["visit_id"] == vid
    again = site.post("/record/sync", json=visit)
    assert again.status_code == 200, again.text
    assert again.json() == {**sent.json(), "recorded": False, "planned_from": None}
    assert _done_visits(programme) == [("H0", vid)]
    # The same id for other days is a different visit: refused, nothing written.
    other = site.post("/record/sync", json={**visit, "end": str(first_visit[0])})
    assert other.status_code == 409
    assert "is recorded already for another household, visitor or days" in other.json()["detail"]
    assert _done_visits(programme) == [("H0", vid)]


def test_the_outbox_is_refused_what_the_form_is_refused(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    visit = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    refused = sign_in("v2").post("/record/sync", json={**visit, "visit_id": str(uuid.uuid4())})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "records the visits of visitor V2 only" in refused.json()["detail"]
    bad_day = sign_in("v1").post("/record/sync", json={**visit, "start": "2027-02-30"})
    assert bad_day.status_code == 422
    assert bad_day.json()["detail"].startswith("check start:")
    assert _done_visits(programme) == []


def test_the_outbox_is_told_to_sign_in_not_sent_the_sign_in_page(
    site: TestClient, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    visit = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    lapsed = site.post("/record/sync", json=visit)
    assert lapsed.status_code == 401
    assert "sign in again" in lapsed.json()["detail"]
    assert _done_visits(programme) == []


def test_the_worker_manifest_and_scripts_are_served(site: TestClient, sign_in: SignIn) -> None:
    worker = site.get("/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert '"/record"' in worker.text
    manifest = site.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    app = json.loads(manifest.text)
    assert app["start_url"] == "/record"
    for icon in app["icons"]:
        assert site.get(icon["src"]).status_code == 200
    for script in ("/static/outbox.js", "/static/site.js"):
        got = site.get(script)
        assert got.status_code == 200
        assert "javascript" in got.headers["content-type"]
    assert site.get("/static/../pages.py").status_code == 404
    # Signed in, every page installs the worker; the sign-in page does not.
    assert "/static/site.js" not in site.get("/login").text
    form = sign_in("v1").get("/record").text
    assert '<script src="/static/site.js"' in form
    assert '<script src="/static/outbox.js"' in form
    assert 'data-sync="/record/sync"' in form


def _form_reads(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT actor, entity_id FROM audit_events WHERE entity = 'household' "
                "AND action = 'read' AND CAST(detail AS TEXT) LIKE '%record%' "
                "ORDER BY entity_id"
            )
        ).all()
    return [(str(a), str(h)) for a, h in rows]


def test_a_visitor_s_form_lists_its_households_by_deadline(
    sign_in: SignIn, programme: Engine
) -> None:
    page = sign_in("v1").get("/record").text
    listed = re.findall(r'<a href="/record\?household=([^"]+)">Record a visit</a>', page)
    assert sorted(listed) == ["H0", "H1", "H2"]
    deadlines = re.findall(r"<td>(\d{4}-\d\d-\d\d)(?: <strong>|</td>)", page.split("mine")[1])
    assert len(deadlines) >= 3
    assert '<option value="H0">' in page
    assert _form_reads(programme) == [("api:v1", "H0"), ("api:v1", "H1"), ("api:v1", "H2")]
    # V2 looks after nobody; a coordinator's form lists nothing (its area may be a region).
    assert "None today." in sign_in("v2").get("/record").text
    coordinator = sign_in("v1-coord").get("/record").text
    assert "Your households" not in coordinator
    assert len(_form_reads(programme)) == 3


def _codes(engine: Engine) -> list[tuple[str | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT activities, outcome_codes FROM visits WHERE status = 'done'")
        ).all()
    return [(a, o) for a, o in rows]


def test_the_form_records_what_was_done_and_what_came_of_it(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    site = sign_in("v1")
    page = site.get("/record").text
    assert 'name="activity" value="job_search"' in page
    assert 'name="outcome" value="none"' in page
    form = {
        "household": "H0",
        "visitor": "V1",
        "start": str(first_visit[0]),
        "activity": ["training", "job_search"],
        "outcome": ["none", "job_found"],
    }
    mixed = site.post("/record", data=form)
    assert mixed.status_code == 422
    assert "outcome code &#39;none&#39; says there is none: give it alone" in mixed.text
    assert 'value="training" checked' in mixed.text  # the form kept as ticked
    done = site.post("/record", data={**form, "outcome": ["job_found"]})
    assert done.status_code == 200, done.text
    assert "Did: job search, training. Came of it: job found." in done.text
    assert _codes(programme) == [("job_search;training", "job_found")]


def test_the_outbox_sends_what_was_done_and_what_came_of_it(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    visit = {
        "visit_id": str(uuid.uuid4()),
        "household": "H0",
        "visitor": "V1",
        "start": str(first_visit[0]),
        "activities": ["benefit_claim"],
        "outcomes": ["referral_made"],
    }
    sent = sign_in("v1").post("/record/sync", json=visit)
    assert sent.status_code == 200, sent.text
    assert _codes(programme) == [("benefit_claim", "referral_made")]


def _statuses(engine: Engine, household: str, start: dt.date) -> list[str]:
    with engine.connect() as conn:
        return [
            str(x)
            for x in conn.execute(
                text(
                    "SELECT vi.status FROM visits vi JOIN households h ON h.id = vi.household_id"
                    " WHERE h.external_id = :h AND vi.planned_start = :d"
                ),
                {"h": household, "d": start},
            ).scalars()
        ]


def _gone_by(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'name="household" value="([^"]+)"><input type="hidden" name="visitor" value="V1">'
        r'<input type="hidden" name="start" value="([^"]+)">',
        page,
    )


def test_a_visitor_marks_a_planned_visit_gone_by_not_made(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    site = sign_in("v1")
    listed = _gone_by(site.get("/record").text)
    assert ("H0", str(first_visit[0])) in listed
    # The latest first, each begun by today.
    days = [dt.date.fromisoformat(d) for _, d in listed]
    assert days == sorted(days, reverse=True)
    assert all(d <= dt.date(2027, 3, 1) for d in days)
    link = f"/record?household=H0&amp;start={first_visit[0]}&amp;end={first_visit[1]}"
    assert link in site.get("/record").text
    prefilled = site.get("/record", params={"household": "H0", "start": str(first_visit[0])})
    start = 'name="start" type="date" required min="1900-01-01" max="2027-03-01"'
    assert f'{start} value="{first_visit[0]}"' in prefilled.text

    form = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    marked = site.post("/record/missed", data=form)
    assert marked.status_code == 200, marked.text
    assert "Marked missed: the visit of V1 to H0 planned from" in marked.text
    assert ("H0", str(first_visit[0])) not in _gone_by(marked.text)
    assert _statuses(programme, "H0", first_visit[0]) == ["missed"]
    again = site.post("/record/missed", data=form)
    assert "Marked missed already: the visit of V1 to H0" in again.text
    refused = sign_in("v2").post("/record/missed", data=form)
    assert refused.status_code == 403
    assert "records the visits of visitor V2 only" in refused.text


def test_the_outbox_marks_a_visit_not_made_once(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    site = sign_in("v1")
    body = {"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    sent = site.post("/record/missed/sync", json=body)
    assert sent.status_code == 200, sent.text
    assert sent.json() == {**body, "already": False}
    again = site.post("/record/missed/sync", json=body)
    assert again.json() == {**body, "already": True}
    assert _statuses(programme, "H0", first_visit[0]) == ["missed"]
    other = {**body, "start": str(first_visit[0] + dt.timedelta(days=1))}
    unknown = site.post("/record/missed/sync", json=other)
    assert unknown.status_code == 404
    assert "no planned visit of H0 by V1 starts on" in unknown.json()["detail"]


def test_the_unrecorded_list_is_a_page_of_its_own(
    sign_in: SignIn, programme: Engine, first_visit: tuple[dt.date, dt.date]
) -> None:
    page = sign_in("v1-coord").get("/lists/unrecorded", params={"days": 60})
    assert page.status_code == 200, page.text
    assert "<h1>Not recorded in R-C-V1, as of 2027-03-01</h1>" in page.text
    assert "Started within the last" in page.text
    assert str(first_visit[0]) in page.text
    # In the menu, marked as the page shown.
    assert '<a href="/lists/unrecorded" aria-current="page">Not recorded</a>' in page.text
    # Given no days, a month back, as on the command line and in the API.
    plain = sign_in("v1-coord").get("/lists/unrecorded").text
    assert 'name="days" type="number" min="0" max="366" value="30"' in plain
    site = sign_in("v1")
    site.post(
        "/record/missed", data={"household": "H0", "visitor": "V1", "start": str(first_visit[0])}
    )
    after = site.get("/lists/unrecorded", params={"days": 60}).text
    assert str(first_visit[0]) not in after
