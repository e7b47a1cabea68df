"""A small programme to report on, its figures checkable by hand.

Areas R > R-C (county) > R-C-V1, R-C-V2 (villages, 50 km apart). Every household but H4
(pending) and H6 (withdrawn) consents from 2026-01-02.

* R-C-V1: H1, H2, H3 consent, H4 pending; visitor V1 (capacity 3) pairs all three on
  2026-01-05. Visits made: H1 on 2026-01-10 (job_search, training; referral_made) and
  2026-02-20 (job_search; job_found), H2 on 2026-03-10 (no codes). H3 is never visited.
* R-C-V2: H5 consents, H6 withdrew; visitor V2 pairs H5 on 2026-01-05. Its first planned
  visit (a plan of its first two months: on 2026-02-10) was missed; it is never visited.

Referrals (organisation JOBS): H1 on 2026-01-10 by V1, completed on 2026-02-20; H5 on
2026-02-01, declined on 2026-02-15; H2 on 2026-03-10, open; H3 on 2026-04-01, after March.

Then, on :data:`TODAY`, the area is planned from that day (every paired household has a
visit planned). As of :data:`TODAY`, with the 60-day cadence: H1 is due (deadline
2026-04-21), H2 is fine (2026-05-09), H3 and H5 are overdue (2026-03-06).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import pairing, planning, referrals
from doorstep.services.visit_records import MadeVisit, mark_missed, record_visit
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import (
    AREA_HEADER,
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    area_rows,
    household,
    visitor,
    write_csv,
)
from tests.factories.prebuilt import Prebuilt
from tests.factories.visits import first_planned

PAIRED_ON = dt.date(2026, 1, 5)
TODAY = dt.date(2026, 4, 15)
#: Village two lies about 50 km north of village one: no visitor reaches both.
NORTH = 0.45


def small_programme(engine: Engine, tmp_path: Path) -> dt.date:
    """Build the programme above; the first day of H5's missed visit."""
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    orgs = [["JOBS", "Job centre", "department"]]
    run_import(
        engine, "organisations", write_csv(tmp_path / "o.csv", ["code", "name", "kind"], orgs)
    )
    far = {"area_code": "R-C-V2", "lat": 26.58 + NORTH}
    hh = [
        household(household_id="H1"),
        household(household_id="H2", lat=26.581),
        household(household_id="H3", lat=26.582),
        household(household_id="H4", consent="pending", consent_date=""),
        household(household_id="H5", **far),
        household(household_id="H6", consent="withdrawn", **far),
    ]
    vv = [
        visitor(visitor_id="V1", capacity=3),
        visitor(visitor_id="V2", capacity=1, home_area_code="R-C-V2", lat=26.60 + NORTH),
    ]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=PAIRED_ON)
        pairing.commit(s, view.id, actor="test", today=PAIRED_ON)
        planning.plan_area(
            s,
            "R-C-V2",
            planning.PlanSettings(start=PAIRED_ON, months=2),
            actor="test",
            today=PAIRED_ON,
        )
    missed, _ = first_planned(engine, "H5")
    made = [
        MadeVisit(
            "H1",
            "V1",
            dt.date(2026, 1, 10),
            activities=("job_search", "training"),
            outcome_codes=("referral_made",),
        ),
        MadeVisit(
            "H1",
            "V1",
            dt.date(2026, 2, 20),
            activities=("job_search",),
            outcome_codes=("job_found",),
        ),
        MadeVisit("H2", "V1", dt.date(2026, 3, 10)),
    ]
    with unit_of_work(engine) as s:
        for visit in made:
            record_visit(s, visit, actor="test", today=TODAY)
        mark_missed(s, "H5", "V2", missed, actor="test", today=TODAY)
        _refer(s)
        planning.plan_area(
            s, "R-C", planning.PlanSettings(start=TODAY, months=4), actor="test", today=TODAY
        )
    return missed


def small_programme_copied(engine: Engine, tmp_path: Path, prebuilt: Prebuilt) -> dt.date:
    """:func:`small_programme`, built once (``prebuilt``); the first day of H5's missed
    visit."""
    prebuilt(engine, tmp_path, small_programme)
    with engine.connect() as conn:
        day = conn.execute(
            text(
                "SELECT planned_start FROM visits vi JOIN households h ON h.id = vi.household_id "
                "WHERE h.external_id = 'H5' AND vi.status = 'missed'"
            )
        ).scalar_one()
    return dt.date.fromisoformat(str(day)[:10])


def _refer(s: Session) -> None:
    """The referrals above."""
    moves = {"H1": ("completed", dt.date(2026, 2, 20)), "H5": ("declined", dt.date(2026, 2, 15))}
    for hh, made_on, by in (
        ("H1", dt.date(2026, 1, 10), "V1"),
        ("H5", dt.date(2026, 2, 1), None),
        ("H2", dt.date(2026, 3, 10), "V1"),
        ("H3", dt.date(2026, 4, 1), "V1"),
    ):
        made = referrals.add_referral(
            s,
            hh,
            organisation="JOBS",
            service="employment",
            made_on=made_on,
            visitor=by,
            actor="test",
            today=TODAY,
        )
        if hh in moves:
            status, on = moves[hh]
            referrals.move_status(s, made.id, status, on=on, actor="test", today=TODAY)
