"""The planning page: a coordinator plans their area with the form and sees the summary and
the first pairings that miss their cadence, the same visits and trail as over the API; a
visitor's account, another area's coordinator and bad options are refused."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.api.conftest import TODAY
from tests.api.test_planning import OPTIONS, by_service, planned, refused_plans
from tests.factories.audit import last_event_id, trail
from tests.web.conftest import SignIn

FORM = {
    "area": "R-C-V1",
    "start": "",
    "months": str(OPTIONS["months"]),
    "country": OPTIONS["country"],
    "staff_cap": str(OPTIONS["staff_cap"]),
}
#: The form's settings; the rest are the defaults.
SETTINGS = {k: OPTIONS[k] for k in ("months", "country", "staff_cap")}


def test_a_coordinator_plans_their_area_from_the_page(sign_in: SignIn, programme: Engine) -> None:
    summary, expected, service_events = by_service(programme, "R-C-V1", **SETTINGS)
    site = sign_in("v1-coord")
    form = site.get("/planning")
    assert form.status_code == 200
    assert 'value="R-C-V1"' in form.text and f'value="{TODAY.isoformat()}"' in form.text
    before = last_event_id(programme)
    r = site.post("/planning", data=FORM)
    assert r.status_code == 200, r.text
    with programme.connect() as conn:
        assert planned(conn) == expected
    assert f"Visit plan for R-C-V1 from {TODAY.isoformat()}" in r.text
    assert f'<td>Planned visits</td><td class="num">{summary.visits:,}</td>' in r.text
    assert f"Cadence not met: {summary.infeasible:,}" in r.text
    share = 100 * summary.compliant_pairings / summary.pairings
    met = f'<td>Cadence met</td><td class="num">{summary.compliant_pairings:,} ({share:.1f}%)</td>'
    assert met in r.text
    events = trail(programme, before)
    assert events[: len(service_events)] == service_events
    assert events[len(service_events)][:3] == ("read", "visits", None)


def test_a_plan_whose_cadence_is_not_met_lists_the_pairings_that_miss_it(
    sign_in: SignIn, programme: Engine
) -> None:
    # A cap of 0 (still one away at a time, min_away 1) leaves some household short of its
    # cadence; the service, run on the same programme and rolled back, says which.
    summary, _, _ = by_service(programme, "R-C-V1", staff_cap=0.0)
    assert summary.infeasible >= 1
    site = sign_in("boss")
    before = last_event_id(programme)
    r = site.post("/planning", data={"area": "R-C-V1", "staff_cap": "0"})
    assert r.status_code == 200, r.text
    assert f"Cadence not met: {summary.infeasible}" in r.text
    for h, v, why in summary.unmet.select("household_id", "visitor_id", "reason").iter_rows():
        assert f"<td>{h}</td><td>{v}</td>" in r.text
        assert why.replace("_", " ") in r.text
        assert ("read", "household", h, {"list": "compliance"}) in trail(programme, before)


def test_the_page_refuses_a_visitor_another_area_and_bad_options(
    sign_in: SignIn, programme: Engine
) -> None:
    with programme.connect() as conn:
        was = planned(conn)
    signed_out = sign_in("v1")
    signed_out.cookies.clear()
    out = signed_out.post("/planning", data=FORM)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    visitor = sign_in("v1")
    assert visitor.get("/planning").status_code == 403
    before = last_event_id(programme)
    r = visitor.post("/planning", data=FORM)
    assert r.status_code == 403
    assert "planning an area&#39;s visits is for coordinators" in r.text
    other = sign_in("v2-coord")
    r = other.post("/planning", data=FORM)
    assert r.status_code == 403
    assert "area R-C-V1 is outside account v2-coord&#39;s area R-C-V2" in r.text
    assert [e[3]["outcome"] for e in refused_plans(programme, before)] == ["refused", "refused"]
    coord = sign_in("v1-coord")
    bad = coord.post("/planning", data={**FORM, "staff_cap": "2"})
    assert bad.status_code == 422
    assert "staff_cap: Input should be less than or equal to 1" in bad.text
    past = coord.post("/planning", data={**FORM, "start": "2027-02-01"})
    assert past.status_code == 422
    assert "start 2027-02-01 is before today (2027-03-01)" in past.text
    with programme.connect() as conn:
        assert planned(conn) == was


def test_the_page_plans_to_the_programme_s_cadence(sign_in: SignIn, programme: Engine) -> None:
    from doorstep.services.cadence import set_cadence
    from doorstep.storage.session import unit_of_work

    with unit_of_work(programme) as s:
        set_cadence(s, max_gap_days=21, stay_days=1, actor="t", today=TODAY)
    r = sign_in("v1-coord").post("/planning", data=FORM)
    assert r.status_code == 200, r.text
    assert '<td>Most days between visits</td><td class="num">21</td>' in r.text
    with programme.connect() as conn:
        stays = {
            (str(row[2])[:10], str(row[3])[:10])
            for row in planned(conn)
            if row[4] == "planned" and str(row[2])[:10] >= TODAY.isoformat()
        }
    # Day visits from the plan's first day (the stay under way then is kept as it was).
    assert stays and all(first == last for first, last in stays)


def test_the_form_offers_the_countries_by_name_and_a_day_to_pick(sign_in: SignIn) -> None:
    page = sign_in("v1-coord").get("/planning").text
    assert 'name="start" type="date"' in page
    assert 'name="country" list="countries"' in page
    assert '<option value="CN">China</option>' in page
    assert '<option value="DE">Germany</option>' in page
    chinese = sign_in("v1-coord").get("/planning", headers={"Accept-Language": "zh-Hans"}).text
    assert '<option value="CN">中国</option>' in chinese
