"""An independent reckoning of `doorstep report`'s and `doorstep outcomes`' figures.

Written from the definitions in docs/cli.md ("Reports: `doorstep report`", "Household
outcomes", and `visits due` for the deadline) and docs/glossary.md, in plain Python over
the rows a test generated, never from the service's queries: the property test
(test_report_oracle.py) compares every figure of the two with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from doorstep.domain.visit_codes import ACTIVITIES, OUTCOMES

ACTIVITY_CODES = tuple(str(c) for c in ACTIVITIES.codes)
OUTCOME_CODES = tuple(str(c) for c in OUTCOMES.codes)


@dataclass(frozen=True)
class Area:
    code: str
    parent: str | None
    level: str


@dataclass(frozen=True)
class Household:
    id: str
    area: str
    members: int
    #: Consent acts, each (its day, its state), by day, entered in that order.
    acts: tuple[tuple[dt.date, str], ...]
    #: An act entered after them, dated before the last (a form signed before a withdrawal
    #: and entered after it): it joins the history.
    late: tuple[tuple[dt.date, str], ...] = ()


@dataclass(frozen=True)
class Visitor:
    id: str
    active_from: dt.date | None
    active_to: dt.date | None
    erased: bool = False


@dataclass(frozen=True)
class Pairing:
    household: str
    visitor: str
    start: dt.date
    end: dt.date | None  # the first day without it


@dataclass(frozen=True)
class Visit:
    """A visit of pairing ``pairing`` (an index of the programme's), made, missed or still
    planned, from ``first`` to ``last``."""

    pairing: int
    status: str  # done, missed, planned
    first: dt.date
    last: dt.date
    activities: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Referral:
    household: str
    made_on: dt.date
    status: str  # where it ended: open, accepted, completed, declined, withdrawn
    status_on: dt.date


@dataclass(frozen=True)
class Indicator:
    household: str
    year: int
    income: float | None
    in_work: int | None
    services: tuple[str, ...]


@dataclass(frozen=True)
class Programme:
    areas: tuple[Area, ...]
    households: tuple[Household, ...]
    visitors: tuple[Visitor, ...]
    pairings: tuple[Pairing, ...]
    visits: tuple[Visit, ...]
    referrals: tuple[Referral, ...] = ()
    indicators: tuple[Indicator, ...] = ()

    def household(self, hid: str) -> Household:
        return next(h for h in self.households if h.id == hid)

    def visitor(self, vid: str) -> Visitor:
        return next(v for v in self.visitors if v.id == vid)


# --- The report -------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRow:
    code: str
    total: bool
    households: int
    consenting: int
    paired: int
    visitors: int
    planned: int
    due: int
    overdue: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int
    referrals_completed: int
    codes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class MonthRow:
    code: str
    total: bool
    month: str
    paired: int
    visitors: int
    within_cadence: int
    visits_made: int
    visits_missed: int
    households_visited: int
    referrals_made: int
    referrals_completed: int
    codes: dict[str, int] = field(default_factory=dict)


#: The whole programme where it has several roots (a report of no ``--area``).
PROGRAMME = ""


def whole(p: Programme, area: str | None) -> str:
    """The area a report of ``area`` covers: no area is the whole programme, its one root
    where it has one."""
    if area is not None:
        return area
    roots = [a.code for a in p.areas if a.parent is None]
    return roots[0] if len(roots) == 1 else PROGRAMME


def level_of(p: Programme, code: str) -> str:
    return next(a.level for a in p.areas if a.code == code)


def subtree(p: Programme, code: str) -> set[str]:
    """``code`` and every area below it."""
    if code == PROGRAMME:
        return {a.code for a in p.areas}
    found, grew = {code}, True
    while grew:
        more = {a.code for a in p.areas if a.parent in found} - found
        grew = bool(more)
        found |= more
    return found


def groups(p: Programme, area: str, level: str | None) -> list[str]:
    """The areas a report of ``area`` is broken into: its children, or the areas within
    it at ``level``; by code."""
    if level is None:
        return sorted(a.code for a in p.areas if a.parent == (area or None))
    within = subtree(p, area)
    return sorted(a.code for a in p.areas if a.level == level and a.code in within)


def consents(h: Household, day: dt.date) -> bool:
    """Consent in force on ``day``: the latest act dated by then gives it, whenever it was
    entered."""
    state = None
    for on, s in sorted(h.acts + h.late):
        if on <= day:
            state = s
    return state == "given"


def is_open(q: Pairing, day: dt.date) -> bool:
    return q.start <= day and (q.end is None or q.end > day)


def active(v: Visitor, day: dt.date) -> bool:
    """Active on ``day``; an erased visitor never is (docs/cli.md, the report's `visitors`)."""
    return (
        not v.erased
        and (v.active_from is None or v.active_from <= day)
        and (v.active_to is None or v.active_to >= day)
    )


def run_start(p: Programme, index: int) -> dt.date:
    """The first day of the uninterrupted run of pairings pairing ``index`` is in: the run
    breaks where the household went a day without a pairing."""
    me = p.pairings[index]
    mine = sorted(
        (q.start, i, q.end) for i, q in enumerate(p.pairings) if q.household == me.household
    )
    begun: dt.date | None = None
    reached: dt.date | None = None  # the first day the earlier pairings no longer hold
    for start, i, end in mine:
        if reached is None or reached < start:
            begun = start
        far = end or dt.date.max
        reached = far if reached is None else max(reached, far)
        if i == index:
            assert begun is not None
            return begun
    raise AssertionError(index)


def _made_by(p: Programme, hid: str, day: dt.date) -> dt.date | None:
    """The first day of the household's last visit made that began by ``day``."""
    days = [
        v.first
        for v in p.visits
        if v.status == "done" and p.pairings[v.pairing].household == hid and v.first <= day
    ]
    return max(days, default=None)


def _someone_makes(p: Programme, v: Visit) -> bool:
    """A planned visit its pairing and visitor are active for on its first day."""
    q = p.pairings[v.pairing]
    return (q.end is None or q.end > v.first) and active(p.visitor(q.visitor), v.first)


def _deadline(p: Programme, hid: str, today: dt.date, gap: int) -> dt.date:
    """As `visits due` measures it: the last visit recorded, or a planned stay under way
    (begun before today, not over), whichever began later; never visited, the first day
    of its run of pairings; plus the gap."""
    last = _made_by(p, hid, today)
    under_way = max(
        (
            v.first
            for v in p.visits
            if v.status == "planned"
            and p.pairings[v.pairing].household == hid
            and v.first < today <= v.last
            and _someone_makes(p, v)
        ),
        default=None,
    )
    anchors = [d for d in (last, under_way) if d is not None]
    if anchors:
        return max(anchors) + dt.timedelta(days=gap)
    run = min(
        run_start(p, i)
        for i, q in enumerate(p.pairings)
        if q.household == hid and is_open(q, today)
    )
    return run + dt.timedelta(days=gap)


def _paired(p: Programme, hids: Iterable[str], day: dt.date) -> tuple[set[str], set[str]]:
    """Of ``hids``, those consenting on ``day`` with a pairing open, and the visitors of
    those pairings active that day."""
    paired, visitors = set(), set()
    for hid in hids:
        if not consents(p.household(hid), day):
            continue
        for q in p.pairings:
            if q.household == hid and is_open(q, day):
                paired.add(hid)
                if active(p.visitor(q.visitor), day):
                    visitors.add(q.visitor)
    return paired, visitors


def _codes(p: Programme, made: Sequence[Visit]) -> dict[str, int]:
    out = {f"activity_{c}": sum(c in v.activities for v in made) for c in ACTIVITY_CODES}
    out |= {f"outcome_{c}": sum(c in v.outcomes for v in made) for c in OUTCOME_CODES}
    return out


def _period(
    p: Programme, hids: set[str], first: dt.date, last: dt.date
) -> tuple[list[Visit], list[Visit], list[Referral], list[Referral]]:
    """Visits made (by first day made) and missed (by first day planned), referrals made
    and completed, of ``hids`` within ``[first, last]``."""
    ours = [v for v in p.visits if p.pairings[v.pairing].household in hids]
    made = [v for v in ours if v.status == "done" and first <= v.first <= last]
    missed = [v for v in ours if v.status == "missed" and first <= v.first <= last]
    refs = [r for r in p.referrals if r.household in hids]
    referred = [r for r in refs if first <= r.made_on <= last]
    completed = [r for r in refs if r.status == "completed" and first <= r.status_on <= last]
    return made, missed, referred, completed


def month_spans(start: dt.date, end: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """The calendar months the period touches, each cut to it."""
    spans = []
    day = start
    while day <= end:
        following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        last = min(end, following - dt.timedelta(days=1))
        spans.append((f"{day.year:04d}-{day.month:02d}", day, last))
        day = following
    return spans


def report(
    p: Programme,
    *,
    area: str | None,
    level: str | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    gap: int,
    days: int,
) -> tuple[list[AreaRow], list[MonthRow]]:
    """The report's rows by area (then the whole area) and by area and month (each area's
    months, then the whole area's)."""
    area = whole(p, area)
    keyed = [(g, False) for g in groups(p, area, level)] + [(area, True)]
    area_rows, month_rows = [], []
    for code, is_total in keyed:
        within = subtree(p, code)
        hids = {h.id for h in p.households if h.area in within}
        paired, visitors = _paired(p, hids, today)
        planned = {
            hid
            for hid in paired
            if any(
                v.status == "planned"
                and p.pairings[v.pairing].household == hid
                and v.first >= today
                and _someone_makes(p, v)
                for v in p.visits
            )
        }
        deadlines = {hid: _deadline(p, hid, today, gap) for hid in paired}
        made, missed, referred, completed = _period(p, hids, start, end)
        area_rows.append(
            AreaRow(
                code=code or "ALL",
                total=is_total,
                households=len(hids),
                consenting=sum(consents(p.household(h), today) for h in hids),
                paired=len(paired),
                visitors=len(visitors),
                planned=len(planned),
                due=sum(today <= d <= today + dt.timedelta(days=days) for d in deadlines.values()),
                overdue=sum(d < today for d in deadlines.values()),
                visits_made=len(made),
                visits_missed=len(missed),
                households_visited=len({p.pairings[v.pairing].household for v in made}),
                referrals_made=len(referred),
                referrals_completed=len(completed),
                codes=_codes(p, made),
            )
        )
        for label, first, last in month_spans(start, end):
            m_paired, m_visitors = _paired(p, hids, last)
            within_cadence = 0
            for hid in m_paired:
                # A visit made in the gap's days before the month's last day, or, never
                # visited by then, a run of pairings begun within them.
                seen = _made_by(p, hid, last)
                if seen is None:
                    seen = min(
                        run_start(p, i)
                        for i, q in enumerate(p.pairings)
                        if q.household == hid and is_open(q, last)
                    )
                within_cadence += seen >= last - dt.timedelta(days=gap)
            made, missed, referred, completed = _period(p, hids, first, last)
            month_rows.append(
                MonthRow(
                    code=code or "ALL",
                    total=is_total,
                    month=label,
                    paired=len(m_paired),
                    visitors=len(m_visitors),
                    within_cadence=within_cadence,
                    visits_made=len(made),
                    visits_missed=len(missed),
                    households_visited=len({p.pairings[v.pairing].household for v in made}),
                    referrals_made=len(referred),
                    referrals_completed=len(completed),
                    codes=_codes(p, made),
                )
            )
    return area_rows, month_rows


# --- The outcomes -----------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    code: str
    total: bool
    year: int
    households: int
    reported: int
    with_income: int
    below_line: int
    work_reported: int
    in_work: int
    with_services: int
    with_services_share: float | None


def _outcome(p: Programme, code: str, is_total: bool, year: int, line: float) -> OutcomeRow:
    within = subtree(p, code)
    hids = {h.id for h in p.households if h.area in within}
    rows = [i for i in p.indicators if i.household in hids and i.year == year]
    incomes = [i for i in rows if i.income is not None]
    work = [i for i in rows if i.in_work is not None]
    services = sum(bool(i.services) for i in rows)
    return OutcomeRow(
        code=code or "all",
        total=is_total,
        year=year,
        households=len(hids),
        reported=len(rows),
        with_income=len(incomes),
        # Income over members under the line, as decimal amounts (not floating point's).
        below_line=sum(
            i.income is not None
            and Fraction(str(i.income)) / p.household(i.household).members < Fraction(str(line))
            for i in incomes
        ),
        work_reported=len(work),
        in_work=sum(i.in_work is not None and i.in_work > 0 for i in work),
        with_services=services,
        # No household of the area and year named a service: the column was not used.
        with_services_share=services / len(rows) if services else None,
    )


def outcomes(
    p: Programme, *, area: str | None, level: str | None, year: int | None, line: float
) -> tuple[int | None, list[OutcomeRow], list[OutcomeRow]]:
    """The year shown (default: the latest any household of the area reported), its rows
    by area (then the whole), and the whole area's rows for every year reported."""
    area = whole(p, area)
    within = subtree(p, area)
    years = sorted({i.year for i in p.indicators if p.household(i.household).area in within})
    if year is None:
        year = years[-1] if years else None
    by_area = []
    if year is not None:
        by_area = [_outcome(p, g, False, year, line) for g in groups(p, area, level)]
        by_area.append(_outcome(p, area, True, year, line))
    return year, by_area, [_outcome(p, area, True, y, line) for y in years]
