"""Imports that leave pairings unsettled say so, and take off what no one is to do: a
households import that withdraws a household's consent cancels its planned visits at once,
as an exclusion does a pair's (left planned until the next plan, they stayed in the
registry's exports, counted as the visitor's visits to make and blocked their erasure); a
visitors import that leaves someone holding households they cannot keep names them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, write_csv
from tests.services.pairing.tree import (
    TODAY,
    commit,
    home,
    near_and_far,
    open_pairings,
    propose,
    worker,
)
from tests.services.test_exclusions import _all_events, _plan, _planned


@pytest.fixture
def planned(engine: Engine, tmp_path: Path) -> Engine:
    """H1 and H2 paired with VNEAR, their visits planned from TODAY."""
    near_and_far(engine, tmp_path, "H1", "H2")
    commit(engine, propose(engine, "A").id)
    _plan(engine, TODAY)
    return engine


def _import(
    engine: Engine, tmp_path: Path, consent: str, day: dt.date, dated: dt.date | None = None
) -> tuple[str, ...]:
    """H1 with ``consent`` dated ``dated`` (default: ``day``) and one more member, on ``day``."""
    when = (dated or day).isoformat()
    rows = [home(household_id="H1", consent=consent, consent_date=when, members=5)]
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)
    return run_import(engine, "households", path, today=day).notes


@pytest.mark.parametrize("consent", ["withdrawn", "pending"])
def test_a_household_that_no_longer_consents_loses_its_planned_visits_at_once(
    planned: Engine, tmp_path: Path, consent: str
) -> None:
    day = TODAY + dt.timedelta(days=20)
    before = _planned(planned)
    theirs = [v for v in before if v[0] == "H1" and v[2] >= day - dt.timedelta(days=1)]
    assert theirs, "the plan gave H1 visits after the withdrawal"
    notes = _import(planned, tmp_path, consent, day)
    # Those over before the day stay (their days are history); the others are gone, kept
    # in cancelled_visits for the visitor's next calendar; H2's are untouched.
    assert _planned(planned) == [v for v in before if v not in theirs]
    with planned.connect() as conn:
        kept = conn.execute(text("SELECT count(*) FROM cancelled_visits")).scalar_one()
    assert kept == len(theirs)
    n = len(theirs)
    assert notes[-1] == (
        f"1 household that no longer consents: {n} planned visit{'s' if n > 1 else ''} "
        "cancelled; its pairing ends at the next pair commit for the area (pair --area ..., "
        "then pair commit)."
    )
    cancelled = [e for e in _all_events(planned) if e[3].get("status") == "cancelled"]
    assert [(e[2], e[3]["start"], e[3]["reason"], e[3]["file"]) for e in cancelled] == [
        ("H1", start.isoformat(), "the household no longer consents", "h.csv")
        for _, _, start in theirs
    ]
    # The pairing itself stays until a commit ends it.
    assert ("VNEAR", "H1") in open_pairings(planned)


def test_a_household_that_still_consents_keeps_its_visits_and_hears_nothing_of_them(
    planned: Engine, tmp_path: Path
) -> None:
    before = _planned(planned)
    later = TODAY + dt.timedelta(days=20)
    assert _import(planned, tmp_path, "given", later, dt.date(2026, 1, 2)) == ()
    assert _planned(planned) == before


def test_a_visitors_import_that_leaves_households_without_places_says_so(
    planned: Engine, tmp_path: Path
) -> None:
    # VNEAR holds H1 and H2: given a capacity of 1, then a last day before the import's,
    # each import says who now holds households they cannot keep; the pairings are left to
    # the next commit, as ever.
    for overrides, said in (
        ({"capacity": 1}, "VNEAR has 2 households for 1 place"),
        ({"active_to": "2026-06-10"}, "VNEAR left on 2026-06-10 (2 households)"),
    ):
        row = worker(visitor_id="VNEAR", lat=51.501) | overrides
        path = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [row])
        notes = run_import(planned, "visitors", path, today=TODAY + dt.timedelta(days=20)).notes
        assert notes[-1] == (
            f"1 visitor now holds households they cannot keep: {said}; pair --area AREA "
            "--new-only, then pair commit and plan --area, hands them over."
        )
    assert ("VNEAR", "H1") in open_pairings(planned)
    # A visitor with room and no end says nothing.
    far = worker(visitor_id="VFAR", lat=51.55, capacity=5)
    assert (
        run_import(planned, "visitors", write_csv(tmp_path / "f.csv", VISITOR_HEADER, [far])).notes
        == ()
    )
