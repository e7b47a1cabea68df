"""The cadence page: every account sees the programme's cadence; only a manager of the
whole programme gets the form that sets it, and a cadence that cannot be is refused."""

from __future__ import annotations

from tests.web.conftest import SignIn


def test_the_programme_s_manager_sets_the_cadence_and_the_lists_follow(sign_in: SignIn) -> None:
    coord = sign_in("v1-coord")
    due = coord.get("/lists/due")
    assert "Each deadline is 60 days after" in due.text
    page = coord.get("/cadence")
    assert page.status_code == 200
    assert "At most <strong>60</strong> days" in page.text and "(the default" in page.text
    assert "<form" not in page.text.split("<main")[1]
    assert coord.post("/cadence", data={"max_gap_days": "30"}).status_code == 403
    boss = sign_in("boss")
    refused = boss.post("/cadence", data={"max_gap_days": "3", "stay_days": ""})
    assert refused.status_code == 422 and "longer than the 3 days" in refused.text
    # Both boxes emptied: said in the form's words, not the command line's options.
    neither = boss.post("/cadence", data={"max_gap_days": "", "stay_days": " "})
    assert neither.status_code == 422 and "--max-gap-days" not in neither.text
    assert "fill in the most days between two visits, the days in one stay or both" in (
        neither.text
    )
    typo = boss.post("/cadence", data={"max_gap_days": "ten"})
    assert typo.status_code == 422 and "check max_gap_days" in typo.text
    saved = boss.post("/cadence", data={"max_gap_days": "10", "stay_days": "1"})
    assert saved.status_code == 200, saved.text
    assert "Saved." in saved.text and "At most <strong>10</strong> days" in saved.text
    assert "stays of <strong>1</strong> day (set by api:boss on 2027-03-01)" in saved.text
    # The web app's lists take no cadence of their own: theirs is now the programme's.
    overdue = sign_in("v1").get("/lists/overdue")
    assert "Rows 1–" in overdue.text
    assert "Each deadline is 10 days after the household's last visit" in overdue.text
    upcoming = sign_in("v1").get("/lists/upcoming")
    assert "Each deadline is" not in upcoming.text
    assert (
        sign_in("v1").get("/files/household", params={"id": "H0"}).text.count('placeholder="10"')
        == 1
    )
