"""Files as pages: a household's, opened from the work lists by its visitor or its area's
coordinator; a visitor's, by the visitor or the area they live in; refused to others, with
links to what is done next."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.web.conftest import SignIn


def test_the_visitor_opens_a_household_s_file_from_its_due_list(sign_in: SignIn) -> None:
    visitor = sign_in("v1")
    listed = visitor.get("/lists/due", params={"days": 366})
    assert listed.status_code == 200, listed.text
    assert '<a href="/files/household?id=H0">H0</a>' in listed.text
    page = visitor.get("/files/household", params={"id": " H0 "})
    assert page.status_code == 200, page.text
    assert "<h2>H0: Wang Fang</h2>" in page.text
    assert "Consent on 2027-03-01: <strong>given</strong>" in page.text
    assert "Due by <strong>" in page.text and "with V1 Li Wei" in page.text
    assert "Li Wei: no visit recorded yet, " in page.text and "last visit" not in page.text
    assert '<a href="/record?household=H0">Record a visit</a>' in page.text
    # A visitor's account is not sent to the household's data (export, erasure).
    assert "/household?id=H0" not in page.text
    assert "/files/visitor?id=" not in page.text.split("<main")[1]
    form = visitor.get("/record", params={"household": "H0"})
    assert 'name="household" required value="H0"' in form.text


def test_the_file_is_refused_outside_the_account_s_households(sign_in: SignIn) -> None:
    refused = sign_in("v2").get("/files/household", params={"id": "H0"})
    assert refused.status_code == 403 and "not one of them today" in refused.text
    outside = sign_in("v2-coord").get("/files/household", params={"id": "H0"})
    assert outside.status_code == 403
    # An id no household has is searched for: found in no one's id, name or address.
    unknown = sign_in("boss").get("/files/household", params={"id": "H9"})
    assert unknown.status_code == 200 and "No household found for “H9”." in unknown.text


def test_the_coordinator_s_file_links_to_the_household_s_data(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    empty = coord.get("/files/household")
    assert empty.status_code == 200 and 'name="id" required value=""' in empty.text
    page = coord.get("/files/household", params={"id": "H0", "max_gap_days": 30, "visits": 1})
    assert page.status_code == 200, page.text
    assert "at most 30 days between visits" in page.text
    assert '<a href="/household?id=H0">Its data</a>' in page.text
    # Its visitor's file is a link away; and the consent form, filled in.
    assert 'with <a href="/files/visitor?id=V1">V1</a> Li Wei' in page.text
    assert '<a href="/consent?household=H0">Record its consent</a>' in page.text
    form = coord.get("/consent", params={"household": "H0"})
    assert 'name="household" required value="H0"' in form.text
    # And the referral form, filled in.
    assert '<a href="/refer?household=H0">Refer it to a service</a>' in page.text
    refer = coord.get("/refer", params={"household": "H0"})
    assert 'name="household" required value="H0"' in refer.text
    bad = coord.get("/files/household", params={"id": "H0", "max_gap_days": 0})
    assert bad.status_code == 422 and "max_gap_days" in bad.text


def test_a_visitor_opens_their_own_file_and_from_it_a_household_s(sign_in: SignIn) -> None:
    visitor = sign_in("v1")
    page = visitor.get("/files/visitor")
    assert page.status_code == 200, page.text
    assert "<h2>V1: Li Wei</h2>" in page.text
    assert "Looks after <strong>3</strong> households, capacity 3" in page.text
    assert "(56 days left), no visit recorded yet, a stay under way since" in page.text
    for household in ("H0", "H1", "H2"):
        assert f'<a href="/files/household?id={household}">{household}</a>' in page.text
    # Each visit listed links its household: the five next planned, and those before.
    assert page.text.count('<td><a href="/files/household?id=H') >= 5
    assert '<a href="/calendar.ics">Your calendar</a>' in page.text
    other = visitor.get("/files/visitor", params={"id": "V2"})
    assert other.status_code == 403 and "visitor V1 only" in other.text


def test_a_coordinator_opens_the_file_of_a_visitor_living_in_its_area(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    empty = coord.get("/files/visitor")
    assert empty.status_code == 200 and 'name="id" required value=""' in empty.text
    page = coord.get("/files/visitor", params={"id": "V1", "max_gap_days": 30})
    assert page.status_code == 200, page.text
    assert "at most 30 days between visits" in page.text
    assert '<a href="/visitor?id=V1">Their data</a>' in page.text
    outside = sign_in("v2-coord").get("/files/visitor", params={"id": "V1"})
    assert outside.status_code == 403


def test_a_household_is_found_by_name_from_the_file_s_form(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    page = coord.get("/files/household", params={"id": "wang fang"})
    assert page.status_code == 200, page.text
    assert "Households found for “wang fang”" in page.text
    for household in ("H0", "H1", "H2"):
        assert f'<a href="/files/household?id={household}">{household}</a>' in page.text
    none = sign_in("v2").get("/files/household", params={"id": "wang"})
    assert none.status_code == 200
    assert "No household found for “wang” among those you look after." in none.text


def test_a_visitor_is_found_by_name_from_the_file_s_form(sign_in: SignIn) -> None:
    page = sign_in("v1-coord").get("/files/visitor", params={"id": "li wei"})
    assert page.status_code == 200, page.text
    assert "Visitors found for “li wei”" in page.text
    assert '<a href="/files/visitor?id=V1">V1</a>' in page.text
    # A visitor's account opens its own file, whatever is typed.
    own = sign_in("v1").get("/files/visitor", params={"id": "li wei"})
    assert own.status_code == 403 and "visitor V1 only" in own.text


def test_an_erased_household_s_id_says_it_was_erased(sign_in: SignIn, programme: Engine) -> None:
    from doorstep.services.household_rights import erase_household
    from doorstep.storage.session import unit_of_work

    with unit_of_work(programme) as s:
        erase_household(s, "H2", actor="t")
    page = sign_in("v1-coord").get("/files/household", params={"id": "H2"})
    assert page.status_code == 404 and "H2 was erased" in page.text
