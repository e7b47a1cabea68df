"""The audit trail page: a manager reads it, filtered; a coordinator is told who reads it."""

from __future__ import annotations

from tests.web.conftest import SignIn


def test_a_manager_reads_a_household_s_events(sign_in: SignIn) -> None:
    boss = sign_in("boss")
    page = boss.get("/audit", params={"household": "H0"})
    assert page.status_code == 200, page.text
    assert "<td>household</td><td>H0</td>" in page.text
    assert "<td>household</td><td>H1</td>" not in page.text
    assert 'href="/audit"' in page.text


def test_a_bad_day_is_told(sign_in: SignIn) -> None:
    got = sign_in("boss").get("/audit", params={"since": "2027-02-30"})
    assert got.status_code == 422
    assert "since is not a day" in got.text


def test_a_coordinator_is_told_who_reads_the_trail(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    got = coord.get("/audit")
    assert got.status_code == 403
    assert "the audit trail is read by a manager" in got.text
    assert 'href="/audit"' not in coord.get("/").text


def test_the_page_keeps_the_events_of_one_action_about_one_kind_of_record(
    sign_in: SignIn,
) -> None:
    boss = sign_in("boss")
    page = boss.get("/audit", params={"action": "create", "entity": "account"})
    assert page.status_code == 200, page.text
    assert "<td>create</td><td>account</td><td>v1-coord</td>" in page.text
    assert "<td>household</td>" not in page.text
    assert '<option value="create" selected>create</option>' in page.text  # kept as asked
