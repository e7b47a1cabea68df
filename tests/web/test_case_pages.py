"""A household's file as a page: opened from the work lists by its visitor or its area's
coordinator, refused to others, with links to what is done next."""

from __future__ import annotations

from tests.web.conftest import SignIn


def test_the_visitor_opens_a_household_s_file_from_its_due_list(sign_in: SignIn) -> None:
    visitor = sign_in("v1")
    listed = visitor.get("/lists/due", params={"days": 366})
    assert listed.status_code == 200, listed.text
    assert '<a href="/case?id=H0">H0</a>' in listed.text
    page = visitor.get("/case", params={"id": " H0 "})
    assert page.status_code == 200, page.text
    assert "<h2>H0: Wang Fang</h2>" in page.text
    assert "Consent on 2027-03-01: <strong>given</strong>" in page.text
    assert "Due by <strong>" in page.text and "with V1 Li Wei" in page.text
    assert '<a href="/record?household=H0">Record a visit</a>' in page.text
    # A visitor's account is not sent to the household's data (export, erasure).
    assert "/household?id=H0" not in page.text
    form = visitor.get("/record", params={"household": "H0"})
    assert 'name="household" required value="H0"' in form.text


def test_the_file_is_refused_outside_the_account_s_households(sign_in: SignIn) -> None:
    refused = sign_in("v2").get("/case", params={"id": "H0"})
    assert refused.status_code == 403 and "not one of them today" in refused.text
    outside = sign_in("v2-coord").get("/case", params={"id": "H0"})
    assert outside.status_code == 403
    unknown = sign_in("boss").get("/case", params={"id": "H9"})
    assert unknown.status_code == 404 and "no household with id" in unknown.text


def test_the_coordinator_s_file_links_to_the_household_s_data(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    empty = coord.get("/case")
    assert empty.status_code == 200 and 'name="id" required value=""' in empty.text
    page = coord.get("/case", params={"id": "H0", "max_gap_days": 30, "visits": 1})
    assert page.status_code == 200, page.text
    assert "at most 30 days between visits" in page.text
    assert '<a href="/household?id=H0">Its data</a>' in page.text
    bad = coord.get("/case", params={"id": "H0", "max_gap_days": 0})
    assert bad.status_code == 422 and "max_gap_days" in bad.text
