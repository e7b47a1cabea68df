"""`doorstep report` and `doorstep outcomes` give, on random small programmes, exactly the
figures the definitions in the docs give (:mod:`tests.services.report_oracle`), on SQLite
and PostgreSQL.

Each example is a programme of its own: an area tree of two or three levels, households
with consent acts over time, visitors (some leaving), pairings begun and ended (hand-overs
overlapping or with a gap), visits made, missed and still planned, referrals and yearly
indicators, written through the imports and the recording services (`visits record`,
`visits missed`, `household consent`, `referral add|status`). Pairings and planned visits
are written as rows (as ``tests.factories.visits.two_by_two`` pairs by hand): the pairing
and planning engines decide for themselves whom to pair and when to visit, and a property
test needs to choose.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from doorstep.reports.build import ProgrammeReport
from doorstep.services import household_consent, referrals, visitor_rights
from doorstep.services.outcomes import household_outcomes
from doorstep.services.reporting import programme_report
from doorstep.services.visit_records import MadeVisit, mark_missed, record_visit
from doorstep.storage.session import make_engine, unit_of_work
from tests.factories.db import run_import
from tests.factories.emptied import empty_postgres
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.outcomes import INDICATOR_HEADER
from tests.services import report_oracle as oracle
from tests.services.report_oracle import (
    Area,
    Household,
    Indicator,
    Pairing,
    Programme,
    Referral,
    Visit,
    Visitor,
)

TODAY = dt.date(2026, 6, 15)
#: The programme's days: consent from the autumn before, the report's months in 2026.
EARLIEST = dt.date(2025, 10, 1)
#: Examples a database; each is a programme written and reported (~1 s on SQLite, ~1.7 s on
#: PostgreSQL). ``DOORSTEP_ORACLE_EXAMPLES`` asks for more, for a longer search by hand.
EXAMPLES = int(os.environ.get("DOORSTEP_ORACLE_EXAMPLES", "30"))

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")


def _edges() -> list[dt.date]:
    """Days where a figure turns: a deadline today, a day either side of it, `--days` ahead
    (for each gap the test asks, 30 and 60 days), and the months' last days, a gap before
    them and a day either side."""
    month_ends = [dt.date(2026, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 6)]
    month_ends += [dt.date(2025, 11, 30), dt.date(2025, 12, 31), TODAY]
    out = set()
    for gap in (30, 60):
        for base in (
            TODAY - dt.timedelta(days=gap),
            *(e - dt.timedelta(days=gap) for e in month_ends),
        ):
            out |= {base + dt.timedelta(days=k) for k in (-1, 0, 1, 7, 8, 14, 15)}
    for e in month_ends:
        out |= {e + dt.timedelta(days=k) for k in (-1, 0, 1)}
    return sorted(out)


EDGES = _edges()
#: Visits that put a deadline today, a day either side, or `--days` ahead (a household due).
DEADLINES = sorted(
    {TODAY - dt.timedelta(days=g - k) for g in (30, 60) for k in (-1, 0, 1, 3, 7, 14, 15)}
)


def _day(lo: dt.date, hi: dt.date) -> st.SearchStrategy[dt.date]:
    """A day from ``lo`` to ``hi``, often one where a figure turns."""
    hi = max(lo, hi)
    edges = [d for d in EDGES if lo <= d <= hi]
    anyday = st.dates(min_value=lo, max_value=hi)
    return st.one_of(anyday, st.sampled_from(edges)) if edges else anyday


#: Outcome codes found on a visit, but `none`, which is said alone.
outcome_pairs = st.sets(
    st.sampled_from([c for c in oracle.OUTCOME_CODES if c != "none"]), min_size=1, max_size=2
).map(tuple)


#: The poverty lines asked: whole amounts, and amounts whose products with a household's
#: members floating point gets wrong (4,180.3 * 3 is 12,540.900000000001).
LINES = (2_000.0, 4_000.0, 5_000.5, 4_180.3, 7_035.04)


def on_a_line(members: int) -> st.SearchStrategy[float]:
    """An income exactly on a line for ``members``, or a cent either side of it."""
    return st.builds(
        lambda line, cents: round(line * members + cents / 100, 2),
        st.sampled_from(LINES),
        st.sampled_from([0, 0, -1, 1]),
    ).filter(lambda income: income >= 0)


@st.composite
def area_trees(draw: st.DrawFn) -> tuple[Area, ...]:
    """R (and at times a second region, S), one to three counties in each, each with none
    to three villages."""
    areas = []
    for root in ["R", *(["S"] if draw(st.booleans()) else [])]:
        areas.append(Area(root, None, "region"))
        for c in range(draw(st.integers(1, 3))):
            county = f"{root}-{c}"
            areas.append(Area(county, root, "county"))
            for v in range(draw(st.integers(0, 3))):
                areas.append(Area(f"{county}-{v}", county, "village"))
    return tuple(areas)


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    areas = draw(area_trees())
    codes = [a.code for a in areas]
    visitors = []
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.none() | _day(EARLIEST, dt.date(2026, 2, 1)))
        end = draw(st.none() | _day(max(start or EARLIEST, dt.date(2026, 1, 1)), TODAY))
        visitors.append(Visitor(f"V{i}", start, end))
    households: list[Household] = []
    pairings: list[Pairing] = []
    visits: list[Visit] = []
    refs: list[Referral] = []
    indicators: list[Indicator] = []
    busy: dict[str, set[dt.date]] = {}  # a visitor makes one visit at a time
    starts: set[tuple[str, str, dt.date]] = set()  # planned visits, by household, visitor, day
    for n in range(draw(st.integers(5, 30))):
        hid = f"H{n:02d}"
        acts = []
        day = draw(_day(EARLIEST, dt.date(2025, 12, 31)))
        state = draw(st.sampled_from(["given", "given", "pending", "withdrawn"]))
        acts.append((day, state))
        for _ in range(draw(st.integers(0, 2))):
            day = day + dt.timedelta(days=draw(st.integers(1, 120)))
            if day > TODAY:
                break
            state = draw(
                st.sampled_from([s for s in ("given", "pending", "withdrawn") if s != state])
            )
            acts.append((day, state))
        late = []
        dated = {on for on, _ in acts}
        if len(acts) > 1 and draw(st.booleans()):
            on = draw(_day(acts[0][0] + dt.timedelta(days=1), acts[-1][0] - dt.timedelta(days=1)))
            others = [x for x in ("given", "pending", "withdrawn") if x != acts[-1][1]]
            if on not in dated and acts[0][0] < on < acts[-1][0]:
                late.append((on, draw(st.sampled_from(others))))
        h = Household(
            hid,
            draw(st.sampled_from(codes)),
            draw(st.integers(1, 6)),
            tuple(acts),
            tuple(late),
        )
        households.append(h)
        # Pairings one after another: a hand-over may overlap the old one, meet it, or
        # leave the household days without a visitor.
        begin = draw(_day(EARLIEST, TODAY))
        for k in range(draw(st.integers(0, 3))):
            if begin > TODAY:
                break
            who = draw(st.sampled_from(visitors)).id
            last = k == 2 or draw(st.booleans())
            end = (
                None
                if last and draw(st.booleans())
                else begin + dt.timedelta(days=draw(st.integers(1, 150)))
            )
            if pairings and pairings[-1].household == hid:
                before = pairings[-1]
                assert before.end is not None
                if before.visitor == who and begin < before.end:
                    begin = before.end
            q = Pairing(hid, who, begin, end)
            pairings.append(q)
            index = len(pairings) - 1
            v = next(x for x in visitors if x.id == who)
            holds = min(TODAY, (end or dt.date.max) - dt.timedelta(days=1))
            for _ in range(draw(st.integers(0, 4))):
                near = [d for d in DEADLINES if begin <= d <= holds]
                first = draw(
                    st.one_of(_day(begin, holds), *([st.sampled_from(near)] if near else []))
                )
                stay = draw(st.integers(0, 2))
                final = first + dt.timedelta(days=stay)
                took = {first + dt.timedelta(days=d) for d in range(stay + 1)}
                if (
                    final > holds
                    or took & busy.setdefault(who, set())
                    or not (oracle.consents(h, first) and oracle.consents(h, final))
                    or not (oracle.active(v, first) and oracle.active(v, final))
                ):
                    continue
                busy[who] |= took
                visits.append(
                    Visit(
                        index,
                        "done",
                        first,
                        final,
                        tuple(draw(st.sets(st.sampled_from(oracle.ACTIVITY_CODES), max_size=2))),
                        # `none` is said alone, or not at all
                        draw(st.sampled_from([(), ("none",)]) | outcome_pairs),
                    )
                )
            for status, lo, hi in (
                ("missed", begin, holds),
                ("planned", TODAY - dt.timedelta(days=8), TODAY + dt.timedelta(days=30)),
            ):
                for _ in range(draw(st.integers(0, 2))):
                    first = draw(_day(lo, hi))
                    if (hid, who, first) in starts or (status == "missed" and first > TODAY):
                        continue
                    starts.add((hid, who, first))
                    final = first + dt.timedelta(days=draw(st.integers(0, 4)))
                    visits.append(Visit(index, status, first, final))
            if end is None:
                break
            begin = end + dt.timedelta(days=draw(st.integers(-5, 20)))
        if acts[-1][1] == "given":  # a referral is made for a household that consents
            for _ in range(draw(st.integers(0, 2))):
                made_on = draw(_day(EARLIEST, TODAY))
                status = draw(
                    st.sampled_from(["open", "accepted", "completed", "completed", "declined"])
                )
                status_on = made_on if status == "open" else draw(_day(made_on, TODAY))
                refs.append(Referral(hid, made_on, status, status_on))
        for year in draw(st.sets(st.sampled_from([2024, 2025, 2026]), max_size=3)):
            indicators.append(
                Indicator(
                    hid,
                    year,
                    draw(st.none() | st.integers(0, 40_000) | on_a_line(h.members)),
                    draw(st.none() | st.integers(0, h.members)),
                    tuple(
                        draw(st.sets(st.sampled_from(["health", "school", "training"]), max_size=2))
                    ),
                )
            )
    # A visitor who looks after no household from today on may have been erased.
    for i, v in enumerate(visitors):
        theirs = [j for j, q in enumerate(pairings) if q.visitor == v.id]
        if (
            all((pairings[j].end or dt.date.max) <= TODAY for j in theirs)
            and not any(
                x.pairing in theirs and x.status == "planned" and x.last >= TODAY for x in visits
            )
            and draw(st.booleans())
        ):
            visitors[i] = Visitor(v.id, v.active_from, v.active_to, erased=True)
    return Programme(
        tuple(areas),
        tuple(households),
        tuple(visitors),
        tuple(pairings),
        tuple(visits),
        tuple(refs),
        tuple(indicators),
    )


def _rows(folder: Path, name: str, header: list[str], rows: list[Any]) -> Path:
    return write_csv(folder / f"{name}.csv", header, rows)


def write_programme(engine: Engine, folder: Path, p: Programme) -> None:
    """``p`` written through the imports and the recording services (pairings and planned
    visits as rows)."""
    run_import(
        engine,
        "areas",
        _rows(
            folder,
            "areas",
            ["code", "name", "parent_code", "level"],
            [[a.code, f"Area {a.code}", a.parent or "", a.level] for a in p.areas],
        ),
    )
    run_import(
        engine,
        "organisations",
        _rows(folder, "orgs", ["code", "name", "kind"], [["JOBS", "Job centre", "department"]]),
    )
    vv = [
        visitor(
            visitor_id=v.id,
            home_area_code="R",
            active_from=v.active_from or "",
            active_to=v.active_to or "",
        )
        for v in p.visitors
    ]
    run_import(engine, "visitors", _rows(folder, "visitors", VISITOR_HEADER, vv), today=TODAY)
    hh = [
        household(
            household_id=h.id,
            area_code=h.area,
            members=h.members,
            consent=h.acts[0][1],
            consent_date=h.acts[0][0].isoformat(),
        )
        for h in p.households
    ]
    run_import(engine, "households", _rows(folder, "households", HOUSEHOLD_HEADER, hh), today=TODAY)
    with unit_of_work(engine) as s:
        for h in p.households:
            for on, state in h.acts[1:]:
                household_consent.record_consent(
                    s, h.id, state, actor="test", evidence="form", on=on, today=TODAY
                )
    late = [
        household(
            household_id=h.id,
            area_code=h.area,
            members=h.members,
            consent=h.late[0][1],
            consent_date=h.late[0][0].isoformat(),
        )
        for h in p.households
        if h.late
    ]
    if late:
        run_import(engine, "households", _rows(folder, "late", HOUSEHOLD_HEADER, late), today=TODAY)
    pairing_ids = []
    with engine.begin() as conn:
        for q in p.pairings:
            pairing_ids.append(
                conn.execute(
                    text(
                        "INSERT INTO pairings (household_id, visitor_id, started_on, ended_on) "
                        "SELECT h.id, v.id, :s, :e FROM households h, visitors v "
                        "WHERE h.external_id = :h AND v.external_id = :v RETURNING id"
                    ),
                    {"h": q.household, "v": q.visitor, "s": q.start, "e": q.end},
                ).scalar_one()
            )
    with unit_of_work(engine) as s:
        for v in p.visits:
            if v.status == "done":
                q = p.pairings[v.pairing]
                made = MadeVisit(
                    q.household,
                    q.visitor,
                    v.first,
                    v.last,
                    activities=v.activities,
                    outcome_codes=v.outcomes,
                )
                record_visit(s, made, actor="test", today=TODAY)
    with engine.begin() as conn:
        for v in p.visits:
            if v.status != "done":
                q = p.pairings[v.pairing]
                conn.execute(
                    text(
                        "INSERT INTO visits (pairing_id, household_id, visitor_id, status, "
                        "window_start, window_end, planned_start, planned_end) "
                        "SELECT :p, h.id, vr.id, 'planned', :a, :z, :a, :z "
                        "FROM households h, visitors vr "
                        "WHERE h.external_id = :h AND vr.external_id = :v"
                    ),
                    {
                        "p": pairing_ids[v.pairing],
                        "h": q.household,
                        "v": q.visitor,
                        "a": v.first,
                        "z": v.last,
                    },
                )
    with unit_of_work(engine) as s:
        for v in p.visits:
            if v.status == "missed":
                q = p.pairings[v.pairing]
                mark_missed(s, q.household, q.visitor, v.first, actor="test", today=TODAY)
        for r in p.referrals:
            made_ref = referrals.add_referral(
                s,
                r.household,
                organisation="JOBS",
                service="employment",
                made_on=r.made_on,
                visitor=None,
                actor="test",
                today=TODAY,
            )
            if r.status != "open":
                referrals.move_status(
                    s, made_ref.id, r.status, on=r.status_on, actor="test", today=TODAY
                )
    with unit_of_work(engine) as s:
        for gone in p.visitors:
            if gone.erased:
                visitor_rights.erase_visitor(s, gone.id, actor="test", today=TODAY)
    if p.indicators:
        rows = [
            [
                i.household,
                i.year,
                "" if i.income is None else i.income,
                "" if i.in_work is None else i.in_work,
                ";".join(i.services),
            ]
            for i in p.indicators
        ]
        run_import(
            engine, "indicators", _rows(folder, "indicators", INDICATOR_HEADER, rows), today=TODAY
        )


@st.composite
def asks(draw: st.DrawFn, p: Programme) -> dict[str, Any]:
    """A report's options over ``p``: an area (none: the whole programme), a level below
    it (or none), a period."""
    upper = [a.code for a in p.areas if a.level != "village"]
    area = draw(st.sampled_from([None, *upper]))
    covered = oracle.whole(p, area)
    below = sorted(
        {a.level for a in p.areas if a.code in oracle.subtree(p, covered)}
        - {"region" if covered == oracle.PROGRAMME else oracle.level_of(p, covered)}
    )
    level = draw(st.none() | st.sampled_from(below)) if below else None
    end = draw(_day(dt.date(2026, 1, 1), TODAY))
    start = draw(_day(dt.date(2025, 11, 1), end))
    gap = draw(st.sampled_from([30, 60]))
    days = draw(st.sampled_from([7, 14]))
    return {"area": area, "level": level, "start": start, "end": end, "gap": gap, "days": days}


def _got(report: ProgrammeReport) -> tuple[list[oracle.AreaRow], list[oracle.MonthRow]]:
    areas = [
        oracle.AreaRow(
            code=a.code,
            total=a.total,
            households=a.households,
            consenting=a.consenting,
            paired=a.paired,
            visitors=a.visitors,
            planned=a.planned,
            due=a.due,
            overdue=a.overdue,
            visits_made=a.visits_made,
            visits_missed=a.visits_missed,
            households_visited=a.households_visited,
            referrals_made=a.referrals_made,
            referrals_completed=a.referrals_completed,
            codes=dict(a.codes),
        )
        for a in report.areas
    ]
    months = [
        oracle.MonthRow(
            code=m.code,
            total=m.total,
            month=m.month,
            paired=m.paired,
            visitors=m.visitors,
            within_cadence=m.within_cadence,
            visits_made=m.visits_made,
            visits_missed=m.visits_missed,
            households_visited=m.households_visited,
            referrals_made=m.referrals_made,
            referrals_completed=m.referrals_completed,
            codes=dict(m.codes),
        )
        for m in report.months
    ]
    return areas, months


class _Databases:
    """A fresh database for each example: a copy of the migrated SQLite file, or the
    worker's PostgreSQL database emptied."""

    def __init__(self, request: pytest.FixtureRequest, kind: str, folder: Path) -> None:
        self.kind, self.folder, self.n = kind, folder, 0
        if kind == "sqlite":
            self.template: Path = request.getfixturevalue("sqlite_template")
        else:
            self.url: str = request.getfixturevalue("postgres_url")

    def fresh(self) -> Iterator[tuple[Engine, Path]]:
        self.n += 1
        folder = self.folder / f"example{self.n}"
        folder.mkdir()
        if self.kind == "sqlite":
            path = folder / "doorstep.db"
            shutil.copy(self.template, path)
            engine = make_engine(f"sqlite:///{path}")
        else:
            engine = make_engine(self.url)
            empty_postgres(engine)
        try:
            yield engine, folder
        finally:
            engine.dispose()
            if self.kind == "sqlite":
                shutil.rmtree(folder)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_the_report_and_the_outcomes_give_the_figures_the_docs_define(
    request: pytest.FixtureRequest, tmp_path: Path, kind: str
) -> None:
    databases = _Databases(request, kind, tmp_path)
    began = time.monotonic()
    seen: Counter[str] = Counter()  # examples whose figure was not 0: the data reach them

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        p = data.draw(programmes(), label="programme")
        ask = data.draw(asks(p), label="report")
        line = data.draw(st.sampled_from(LINES), label="poverty line")
        year = data.draw(st.none() | st.sampled_from([2024, 2025, 2026]), label="year")
        for engine, folder in databases.fresh():
            write_programme(engine, folder, p)
            with unit_of_work(engine) as s:
                report = programme_report(
                    s,
                    actor="test",
                    today=TODAY,
                    area=ask["area"],
                    level=ask["level"],
                    start=ask["start"],
                    end=ask["end"],
                    max_gap_days=ask["gap"],
                    days=ask["days"],
                )
                shown = household_outcomes(
                    s,
                    actor="test",
                    area=ask["area"],
                    level=ask["level"],
                    year=year,
                    poverty_line=line,
                )
        want_areas, want_months = oracle.report(
            p,
            area=ask["area"],
            level=ask["level"],
            start=ask["start"],
            end=ask["end"],
            today=TODAY,
            gap=ask["gap"],
            days=ask["days"],
        )
        got_areas, got_months = _got(report)
        whole = want_areas[-1]
        for figure in ("paired", "due", "overdue", "visits_made", "visits_missed", "planned"):
            seen[figure] += bool(getattr(whole, figure))
        seen["a late consent act"] += any(h.late for h in p.households)
        seen["a visitor erased"] += any(v.erased for v in p.visitors)
        seen["within_cadence < paired"] += any(m.within_cadence < m.paired for m in want_months)
        assert got_areas == want_areas
        assert got_months == want_months
        want_year, want_by_area, want_by_year = oracle.outcomes(
            p, area=ask["area"], level=ask["level"], year=year, line=line
        )
        assert shown.year == want_year
        assert [_outcome(f) for f in shown.by_area] == want_by_area
        assert [_outcome(f) for f in shown.by_year] == want_by_year

    check()
    print(f"\n{kind}: {databases.n} programmes in {time.monotonic() - began:.1f} s; {seen}")


def _outcome(f: Any) -> oracle.OutcomeRow:
    return oracle.OutcomeRow(
        code=f.code,
        total=f.total,
        year=f.year,
        households=f.households,
        reported=f.reported,
        with_income=f.with_income,
        below_line=f.below_line,
        work_reported=f.work_reported,
        in_work=f.in_work,
        with_services=f.with_services,
        with_services_share=f.with_services_share,
    )
