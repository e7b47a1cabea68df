"""The programme report: exact figures of a small programme, by area and by month, on
SQLite and PostgreSQL (see :mod:`tests.factories.report` for the programme by hand)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import InvalidInput, NotFound
from doorstep.reports.build import ProgrammeReport
from doorstep.reports.render import chart_figure
from doorstep.services import exclusions, pairing, work_lists
from doorstep.services.reporting import programme_report
from doorstep.storage.session import unit_of_work
from tests.factories.audit import last_event_id, trail
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
from tests.factories.report import PAIRED_ON, TODAY, small_programme_copied

JAN, MAR = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
HANDED_ON = dt.date(2026, 3, 1)


def _report(engine: Engine, **options: Any) -> ProgrammeReport:
    with unit_of_work(engine) as s:
        return programme_report(s, actor="test", today=TODAY, **options)


@pytest.fixture
def programme(engine: Engine, tmp_path: Path, prebuilt: Prebuilt) -> dt.date:
    return small_programme_copied(engine, tmp_path, prebuilt)


def test_the_figures_by_area_are_those_counted_by_hand(engine: Engine, programme: dt.date) -> None:
    report = _report(engine, area="R-C", start=JAN, end=MAR)
    got = {
        a.code: (
            a.households,
            a.consenting,
            a.paired,
            a.visitors,
            a.planned,
            a.due,
            a.overdue,
            a.visits_made,
            a.visits_missed,
            a.households_visited,
            a.referrals_made,
            a.referrals_completed,
        )
        for a in report.areas
    }
    # H3's referral, made on 1 April, is after the period; H5's declined is not completed.
    assert got == {
        "R-C-V1": (4, 3, 3, 1, 3, 1, 1, 3, 0, 2, 2, 1),
        "R-C-V2": (2, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0),
        "R-C": (6, 4, 4, 2, 4, 1, 2, 3, 1, 2, 3, 1),
    }
    assert [a.total for a in report.areas] == [False, False, True]
    assert report.total.within_cadence_share == pytest.approx(0.5)  # H1, H2 of four
    codes = {k: v for k, v in report.total.codes.items() if v}
    assert codes == {
        "activity_job_search": 2,
        "activity_training": 1,
        "outcome_referral_made": 1,
        "outcome_job_found": 1,
    }


def test_the_figures_by_month_are_those_counted_by_hand(engine: Engine, programme: dt.date) -> None:
    assert programme.isoformat().startswith("2026-02")  # H5's missed visit
    report = _report(engine, area="R-C", start=JAN, end=MAR)
    got = {
        (m.code, m.month): (
            m.paired,
            m.visitors,
            m.within_cadence,
            m.visits_made,
            m.visits_missed,
            m.households_visited,
            m.referrals_made,
            m.referrals_completed,
        )
        for m in report.months
    }
    assert got == {
        ("R-C-V1", "2026-01"): (3, 1, 3, 1, 0, 1, 1, 0),
        ("R-C-V1", "2026-02"): (3, 1, 3, 1, 0, 1, 0, 1),
        # On 31 March H3, paired on 5 January and never visited, is past the 60 days.
        ("R-C-V1", "2026-03"): (3, 1, 2, 1, 0, 1, 1, 0),
        ("R-C-V2", "2026-01"): (1, 1, 1, 0, 0, 0, 0, 0),
        ("R-C-V2", "2026-02"): (1, 1, 1, 0, 1, 0, 1, 0),
        ("R-C-V2", "2026-03"): (1, 1, 0, 0, 0, 0, 0, 0),
        ("R-C", "2026-01"): (4, 2, 4, 1, 0, 1, 1, 0),
        ("R-C", "2026-02"): (4, 2, 4, 1, 1, 1, 1, 1),
        ("R-C", "2026-03"): (4, 2, 2, 1, 0, 1, 1, 0),
    }
    january = report.total_months()[0]
    assert {k: v for k, v in january.codes.items() if v} == {
        "activity_job_search": 1,
        "activity_training": 1,
        "outcome_referral_made": 1,
    }


def test_due_and_overdue_count_the_households_the_work_lists_show(
    engine: Engine, programme: dt.date
) -> None:
    report = _report(engine, area="R-C", start=JAN, end=MAR)
    with unit_of_work(engine) as s:
        listed = {
            kind: {r["household"] for r in work_lists.work_list(s, kind, actor="t", today=TODAY)}
            for kind in ("due", "overdue")
        }
    assert listed == {"due": {"H1"}, "overdue": {"H3", "H5"}}
    assert (report.total.due, report.total.overdue) == (1, 2)


def test_a_level_breaks_the_area_into_its_areas_at_that_level(
    engine: Engine, programme: dt.date
) -> None:
    report = _report(engine, area="R", level="village", start=JAN, end=MAR)
    assert [(a.code, a.paired) for a in report.areas] == [("R-C-V1", 3), ("R-C-V2", 1), ("R", 4)]
    # By default, the children: the county alone, then the region.
    assert [a.code for a in _report(engine, area="R", start=JAN, end=MAR).areas] == ["R-C", "R"]


def test_no_area_is_the_whole_programme_over_the_twelve_months_to_today(
    engine: Engine, programme: dt.date
) -> None:
    report = _report(engine)
    assert report.area is not None and report.area.code == "R"  # its one root
    assert (report.start, report.end) == (dt.date(2025, 5, 1), TODAY)
    assert [m.month for m in report.total_months()][::11] == ["2025-05", "2026-04"]
    assert report.total.visits_made == 3


def test_an_unknown_area_or_level_is_refused_naming_it(engine: Engine, programme: dt.date) -> None:
    with pytest.raises(NotFound, match="no area with code 'NOPE'"):
        _report(engine, area="NOPE")
    with pytest.raises(InvalidInput) as info:
        _report(engine, area="R-C", level="hamlet")
    assert info.value.message == "no area at level 'hamlet' in R-C; its levels are: county, village"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (None, TODAY + dt.timedelta(days=1), "to 2026-04-16 is after today (2026-04-15)"),
        (dt.date(2026, 3, 1), dt.date(2026, 2, 1), "from 2026-03-01 is after to 2026-02-01"),
        (
            dt.date(2016, 4, 1),
            None,
            "from 2016-04-01 to 2026-04-15 covers 121 calendar months; a report covers at most 120",
        ),
        (
            dt.date(2016, 4, 16),
            None,
            "from 2016-04-16 to 2026-04-15 covers 121 calendar months; a report covers at "
            "most 120: from 2016-05-01 at the earliest",
        ),
        (
            dt.date(2010, 1, 1),
            dt.date(2020, 6, 30),
            "from 2010-01-01 to 2020-06-30 covers 126 calendar months; a report covers at "
            "most 120: from 2010-07-01 at the earliest",
        ),
    ],
)
def test_a_period_that_cannot_be_reported_is_refused(
    engine: Engine, programme: dt.date, start: dt.date | None, end: dt.date | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        _report(engine, area="R-C", start=start, end=end)


def test_a_report_is_one_read_event_naming_no_one(engine: Engine, programme: dt.date) -> None:
    before = last_event_id(engine)
    _report(engine, area="R-C", level="village", start=JAN, end=MAR)
    assert trail(engine, before) == [
        (
            "read",
            "report",
            None,
            {
                "area": "R-C",
                "level": "village",
                "from": "2026-01-01",
                "to": "2026-03-31",
                "today": "2026-04-15",
                "max_gap_days": 60,
                "days": 14,
                "areas": 2,
            },
        )
    ]


def test_a_household_handed_over_before_its_first_visit_keeps_its_clock(
    engine: Engine, tmp_path: Path
) -> None:
    """Paired with V1 on 5 January, handed to V3 on 1 March (its pair excluded), never
    visited: its deadline is 60 days from 5 January, not from 1 March, as the work lists
    count it, so on 15 April it is overdue."""
    run_import(engine, "areas", write_csv(tmp_path / "a.csv", AREA_HEADER, area_rows()))
    vv = [visitor(visitor_id="V1"), visitor(visitor_id="V3", lat=26.62)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household()]))
    for day in (PAIRED_ON, HANDED_ON):
        with unit_of_work(engine) as s:
            if day == HANDED_ON:
                exclusions.exclude(s, "H1", "V1", reason="asked", actor="test", today=day)
            view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=day)
            pairing.commit(s, view.id, actor="test", today=day)
    with engine.connect() as conn:
        pairs = conn.execute(
            text("SELECT visitor_id, started_on, ended_on FROM pairings ORDER BY id")
        ).all()
    assert [(str(a), str(b)) for _, a, b in pairs] == [
        (str(PAIRED_ON), str(HANDED_ON)),
        (str(HANDED_ON), "None"),
    ]
    report = _report(engine, area="R-C", start=JAN, end=MAR)
    with unit_of_work(engine) as s:
        listed = [
            r["household"] for r in work_lists.work_list(s, "overdue", actor="t", today=TODAY)
        ]
    assert listed == ["H1"]
    assert (report.total.paired, report.total.due, report.total.overdue) == (1, 0, 1)
    # And on 31 March, 85 days after the run began, it was not within its cadence.
    assert [m.within_cadence for m in report.total_months()] == [1, 1, 0]


def test_an_area_without_children_is_reported_as_its_whole_alone(
    engine: Engine, programme: dt.date
) -> None:
    report = _report(engine, area="R-C-V1", start=JAN, end=MAR)
    assert [(a.code, a.total, a.paired, a.due, a.overdue) for a in report.areas] == [
        ("R-C-V1", True, 3, 1, 1)
    ]
    assert [m.month for m in report.months] == ["2026-01", "2026-02", "2026-03"]


def test_the_chart_of_a_period_without_visits_counts_up_from_zero(
    engine: Engine, programme: dt.date
) -> None:
    report = _report(engine, area="R-C", start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert not any(m.visits_made or m.visits_missed for m in report.total_months())
    (ax,) = chart_figure(report).axes
    bottom, top = ax.get_ylim()
    assert bottom == 0 and top >= 1
    assert all(tick == int(tick) for tick in ax.get_yticks())


class _Recorded:
    """A progress that keeps what it was told."""

    def __init__(self) -> None:
        self.told: list[tuple[str, int]] = []

    def stage(self, name: str, total: int) -> None:
        self.told.append((name, total))

    def advance(self, amount: int = 1) -> None:
        self.told.append(("advance", amount))


def test_a_report_tells_its_progress_each_count_as_it_starts_and_ends(
    engine: Engine, programme: dt.date
) -> None:
    recorded = _Recorded()
    with unit_of_work(engine) as s:
        programme_report(
            s, actor="test", today=TODAY, area="R-C", start=JAN, end=MAR, progress=recorded
        )
    assert recorded.told == [
        ("counting households and pairings", 1),
        ("advance", 1),
        ("counting visits and referrals by month", 1),
        ("advance", 1),
        ("counting households visited", 1),
        ("advance", 1),
    ]


@pytest.mark.parametrize(
    ("start", "shown"),
    [
        (dt.date(2025, 5, 1), 12),  # every month while they fit
        (dt.date(2022, 5, 1), 24),  # 48 months: every other (January, March...)
        (dt.date(2016, 5, 1), 20),  # ten years: January and July
    ],
)
def test_the_chart_of_a_long_period_keeps_a_readable_width_and_thins_its_labels(
    engine: Engine, programme: dt.date, start: dt.date, shown: int
) -> None:
    # Ten years were a picture 7,400 pixels wide, its labels unreadable once fitted to a page.
    report = _report(engine, area="R-C", start=start, end=TODAY)
    figure = chart_figure(report)
    (ax,) = figure.axes
    assert figure.get_figwidth() <= 16
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == shown
    assert labels[-1] <= TODAY.isoformat()[:7]
    if shown < len(report.total_months()):
        assert {label[5:] for label in labels} <= {"01", "03", "05", "07", "09", "11"}
