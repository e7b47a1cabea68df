"""The referrals page: a visitor refers a household it looks after, its coordinator sees
the area's referrals and moves one on; refusals shown with their status."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.factories.db import run_import
from tests.factories.files import write_csv
from tests.web.conftest import SignIn


def test_a_visitor_refers_and_the_coordinator_moves_the_referral_on(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    orgs = write_csv(
        tmp_path / "o.csv", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]
    )
    run_import(programme, "organisations", orgs)
    visitor = sign_in("v1")
    asked = visitor.get("/referrals")
    assert asked.status_code == 200 and "Give the id of a household" in asked.text
    made = visitor.post(
        "/referrals", data={"household": "H0", "organisation": "JOBS", "service": "health"}
    )
    assert made.status_code == 200, made.text
    assert "Referral 1: H0 referred to JOBS." in made.text
    assert "<td>health</td>" in made.text and "<td>V1</td>" in made.text
    wrong = visitor.post(
        "/referrals", data={"household": "H0", "organisation": "JOBS", "service": "jobs"}
    )
    assert wrong.status_code == 422 and "service" in wrong.text
    coord = sign_in("v1-coord")
    listed = coord.get("/referrals")
    assert listed.status_code == 200 and "<td>H0</td>" in listed.text
    moved = coord.post("/referrals/status", data={"number": "1", "status": "accepted"})
    assert moved.status_code == 200, moved.text
    assert "Referral 1: open -&gt; accepted on 2027-03-01." in moved.text
    back = coord.post(
        "/referrals/status", data={"number": "1", "status": "completed", "on": "2027-02-01"}
    )
    assert back.status_code == 422 and "cannot be before" in back.text
    other = sign_in("v2-coord").post(
        "/referrals/status", data={"number": "1", "status": "declined"}
    )
    assert other.status_code == 403
    assert "<td>H0</td>" not in sign_in("v2-coord").get("/referrals").text
    # A number no referral can have, as the API's address refuses it: past SQLite's
    # integers it was a 500.
    for number in ("0", "99999999999999999999999"):
        huge = coord.post("/referrals/status", data={"number": number, "status": "accepted"})
        assert huge.status_code == 422 and "check number: Input should be" in huge.text
