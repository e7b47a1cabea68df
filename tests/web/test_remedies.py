"""What the pages' refusals and notes tell someone to do, they tell by the page and button
that does it: never a command of the command line, which someone at a page has none of
(tests/web/test_i18n_pairing.py and test_i18n_imports_rows.py: the same in Chinese)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.factories.bad_rows import NOTED, REFUSED
from tests.factories.files import HOUSEHOLD_HEADER, household, write_csv
from tests.web.conftest import SignIn
from tests.web.test_i18n_refusals import _shown

#: What only the command line says: a command or one of its options.
COMMAND_LINE = ("doorstep pair", "doorstep visitor", "doorstep import", "--replace", "--new-only")


#: A paragraph or a table's cell: where a page says a refusal, a note or a row's reason
#: (the page's own words around it name the command line on purpose, for a whole region).
_PART = re.compile(r"<(p|td)\b[^>]*>(.*?)</\1>", re.DOTALL)


def _said(page: str, words: str) -> None:
    """That ``page`` says ``words``, and names no command in the part that says them."""
    parts = [_shown(m.group(2)) for m in _PART.finditer(page)]
    saying = [part for part in parts if words in part]
    assert saying, _shown(page)
    for part in saying:
        for command in COMMAND_LINE:
            assert command not in part, part


def _import(site: TestClient, kind: str, path: Path, replace: bool = False) -> str:
    form = {"kind": kind, **({"replace": "true"} if replace else {})}
    with path.open("rb") as fh:
        return site.post("/imports", data=form, files={"file": fh}).text


def test_a_household_in_no_proposal_is_explained_by_the_pairing_page(
    sign_in: SignIn, tmp_path: Path
) -> None:
    boss = sign_in("boss")
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9")])
    _said(_import(boss, "households", path), "Imported h.csv")
    page = boss.get("/pairing/explain", params={"household": "H9"})
    assert page.status_code == 404
    _said(
        page.text,
        "household 'H9' is in no pairing proposal yet; make a proposal for its area on the "
        "Pairing page first",
    )


def test_a_proposal_for_an_area_without_households_names_the_import_page(
    sign_in: SignIn,
) -> None:
    page = sign_in("boss").post("/pairing", data={"area": "R-C-V2"})
    assert page.status_code == 404
    _said(page.text, "; import households first: on the Import page")


def test_a_visitor_still_looking_after_households_is_not_erased_and_told_the_pages(
    sign_in: SignIn,
) -> None:
    page = sign_in("boss").post("/visitor/erase", data={"id": "V1", "confirm": "V1"})
    assert page.status_code == 409
    _said(
        page.text,
        "re-pair them first: give the visitor an active_to before today (2027-02-28 or "
        "earlier: their row of visitors, on the Import page), then on the Pairing page make a "
        "proposal for their area with “Pair only the households without a visitor” ticked and "
        "commit it, and plan the area on the Planning page; then erase",
    )


def test_a_visit_of_an_excluded_pair_is_refused_naming_the_kept_apart_page(
    sign_in: SignIn,
) -> None:
    boss = sign_in("boss")
    kept = boss.post("/exclusions", data={"household": "H0", "visitor": "V1", "reason": ""})
    assert kept.status_code == 200, kept.text
    page = boss.post("/record", data={"household": "H0", "visitor": "V1", "start": "2027-03-01"})
    assert page.status_code == 403, page.text
    _said(
        page.text,
        "(kept apart on the Kept apart page): the visitor is not to visit the household from "
        "then on; if that is wrong, “May be paired again” on the Kept apart page removes the "
        "exclusion",
    )


def test_a_withdrawal_s_note_names_the_pairing_page(sign_in: SignIn) -> None:
    page = sign_in("boss").post(
        "/consent", data={"household": "H0", "state": "withdrawn", "evidence": "a letter"}
    )
    assert page.status_code == 200, page.text
    _said(
        page.text,
        "its pairing ends at the next pair commit for the area (a proposal on the Pairing "
        "page, then its commit).",
    )


#: What the import page says of each file, by its pages and its box.
SAID = {
    "leave stored": "give its starts_on, or import with the box “the file is the whole set of "
    "its people's periods from today on” ticked to make the file the whole",
    "a past blackout": "(it ended before today: the box “the file is the whole set of its "
    "people's periods from today on” ticked keeps it)",
    "unkept households": "; a proposal for the area on the Pairing page with “Pair only the "
    "households without a visitor” ticked, then its commit and a plan of the area on the "
    "Planning page, hands them over.",
    "an excluded pair": "stays until the next proposal (on the Pairing page) for its area "
    "(R-C-V1) is committed, which ends it; until then a plan (on the Planning page) plans no "
    "visits for it.",
}


@pytest.mark.parametrize("name", sorted(SAID))
def test_an_import_s_rows_and_notes_name_the_pages_and_the_box(
    sign_in: SignIn, programme: Engine, tmp_path: Path, name: str
) -> None:
    sent = {**REFUSED, **NOTED}[name](programme, tmp_path)
    _said(_import(sign_in("boss"), sent.entity, sent.path, sent.replace), SAID[name])


def test_the_box_ticked_for_a_file_of_no_periods_is_refused_by_its_words(
    sign_in: SignIn, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id="H9")])
    _said(
        _import(sign_in("boss"), "households", path, replace=True),
        "the box “the file is the whole set of its people's periods from today on” ticked is "
        "for leave and blackouts, not households",
    )


@pytest.mark.parametrize(
    ("path", "form", "said"),
    [
        (
            "/referrals/status",
            {"number": "999", "status": "accepted"},
            "no referral number 999 (the Referrals page lists them)",
        ),
        (
            "/projects/status",
            {"code": "NOPE", "status": "running"},
            "no project with code 'NOPE' (the Projects page lists them)",
        ),
        (
            "/activities/attendance",
            {"code": "NOPE", "households": "H0"},
            "no activity with code 'NOPE' (the Activities page lists them)",
        ),
        (
            "/consent",
            {"household": "H0", "state": "withdrawn", "evidence": "a letter", "on": "2025-12-01"},
            "an earlier act is filed in the household's history by an import of households on "
            "the Import page",
        ),
    ],
)
def test_a_code_or_number_not_found_or_an_earlier_act_names_the_page_that_lists_or_adds_it(
    sign_in: SignIn, path: str, form: dict[str, str], said: str
) -> None:
    page = sign_in("boss").post(path, data=form)
    assert page.status_code in (404, 422), page.text
    _said(page.text, said)
