"""A day typed with a digit missing (0148-05-03) in a page's form, or sent by a page's outbox,
is refused on the page with the field, the day and the earliest day a record may hold, and
nothing is written; the forms' date boxes offer no earlier day."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.web.conftest import SignIn

EARLY = "0148-05-03"
REFERRAL = {"household": "H0", "organisation": "JOBS", "service": "employment"}
CAMP = {"code": "CAMP", "kind": "summer_camp", "title": "Camp", "area": "R-C-V1"}
PUMP = {"code": "PUMP", "title": "Pump", "sponsor": "S1", "area": "R-C-V1", "status": "planned"}
VISIT = {"household": "H0", "visitor": "V1"}
CONSENT = {"household": "H0", "state": "withdrawn", "evidence": "a letter"}

#: Each form (``data``) or outbox (``json``) and what it is sent, the account that sends it,
#: the field its refusal names, and the table nothing is added to.
CASES: list[tuple[str, str, dict[str, Any], str, str, str]] = [
    ("/activities", "data", CAMP | {"starts_on": EARLY}, "boss", "the first day", "activities"),
    (
        "/activities",
        "data",
        CAMP | {"starts_on": "2027-02-01", "ends_on": EARLY},
        "boss",
        "the last day",
        "activities",
    ),
    ("/projects", "data", PUMP | {"starts_on": EARLY}, "boss", "the first day", "projects"),
    (
        "/referrals",
        "data",
        REFERRAL | {"made_on": EARLY},
        "boss",
        "the referral's day",
        "referrals",
    ),
    (
        "/referrals/status",
        "data",
        {"number": "{referral}", "status": "accepted", "on": EARLY},
        "boss",
        "the status's day",
        "referrals",
    ),
    ("/refer", "data", REFERRAL | {"made_on": EARLY}, "boss", "the referral's day", "referrals"),
    (
        "/refer/sync",
        "json",
        REFERRAL | {"made_on": EARLY},
        "boss",
        "the referral's day",
        "referrals",
    ),
    ("/consent", "data", CONSENT | {"on": EARLY}, "boss", "the act's day", "consent_records"),
    ("/consent/sync", "json", CONSENT | {"on": EARLY}, "boss", "the act's day", "consent_records"),
    ("/record", "data", VISIT | {"start": EARLY}, "v1", "its first day", "visits"),
    ("/record/sync", "json", VISIT | {"start": EARLY}, "v1", "its first day", "visits"),
]


@pytest.fixture
def organisations(programme: Engine, tmp_path: Path) -> Engine:
    """Sponsor S1 and the job centre JOBS, which projects and referrals name."""
    orgs = [["S1", "Trust", "sponsor"], ["JOBS", "Job centre", "department"]]
    run_import(
        programme, "organisations", write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    )
    return programme


def _rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}"))]


@pytest.mark.parametrize(("path", "how", "form", "who", "field", "table"), CASES)
def test_a_day_before_the_first_a_record_may_hold_is_refused_on_the_page(
    sign_in: SignIn,
    organisations: Engine,
    path: str,
    how: str,
    form: dict[str, Any],
    who: str,
    field: str,
    table: str,
) -> None:
    site = sign_in(who)
    if form.get("number") == "{referral}":
        made = site.post("/refer/sync", json=REFERRAL)
        assert made.status_code in (200, 201), made.text
        form = form | {"number": str(made.json()["id"])}
    before = _rows(organisations, table)
    page = site.post(path, **{how: form})
    assert page.status_code == 422, page.text
    assert (
        f"{field}, {EARLY}, is before 1900-01-01, the earliest day a record may hold: check its "
        "year"
    ) in html.unescape(page.text)
    assert _rows(organisations, table) == before


@pytest.mark.parametrize(
    ("page", "who"),
    [
        ("/activities", "boss"),
        ("/projects", "boss"),
        ("/referrals?household=H0", "boss"),
        ("/refer?household=H0", "boss"),
        ("/consent?household=H0", "boss"),
        ("/record", "v1"),
    ],
)
def test_a_form_s_date_boxes_offer_no_day_before_the_first(
    sign_in: SignIn, page: str, who: str
) -> None:
    shown = sign_in(who).get(page)
    assert shown.status_code == 200, shown.text
    boxes = [b for b in shown.text.split("<input")[1:] if 'type="date"' in b.split(">")[0]]
    assert boxes
    for box in boxes:
        assert 'min="1900-01-01"' in box.split(">")[0], box


def test_an_imported_file_with_a_day_before_the_first_is_refused_on_the_import_page(
    sign_in: SignIn, programme: Engine, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9", consent_date=EARLY)]
    )
    before = _rows(programme, "households")
    with path.open("rb") as fh:
        page = sign_in("boss").post("/imports", data={"kind": "households"}, files={"file": fh})
    assert page.status_code == 422, page.text
    assert "h.csv: 1 error; nothing was imported" in page.text
    reason = "before 1900-01-01, the earliest day a record may hold: check the year"
    assert f'<td class="num">2</td><td>consent_date</td><td>{EARLY}</td><td>{reason}' in page.text
    assert _rows(programme, "households") == before
