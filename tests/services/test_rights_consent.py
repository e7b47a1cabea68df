"""A household that withdraws its consent is no longer paired, planned or on a work list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.engine.pairing.params import PairingParams
from doorstep.services import calendars, pairing, planning, work_lists
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START

START = dt.date(2027, 1, 4)


def _households(tmp_path: Path, consent_h1: str) -> Path:
    rows = [
        household(household_id="H1", consent=consent_h1, consent_date="2026-11-30"),
        household(household_id="H2", lat=26.581),
    ]
    return write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, rows)


def _paired_and_planned(engine: Engine, tmp_path: Path, start: dt.date = START) -> None:
    """H1 and H2, both consenting, paired with V1 and planned for four months from
    ``start``."""
    vv = [visitor(visitor_id="V1", capacity=3)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", _households(tmp_path, "given"))
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=start)
        pairing.commit(s, view.id, actor="test", today=start)
        planning.plan_area(
            s, "R", planning.PlanSettings(start=start, months=4), actor="test", today=start
        )


def test_withdrawn_consent_takes_effect_for_pairing_planning_and_work_lists(
    with_areas: Engine, tmp_path: Path
) -> None:
    _paired_and_planned(with_areas, tmp_path)

    run_import(with_areas, "households", _households(tmp_path, "withdrawn"))
    # Before anything is paired or planned again, the work lists leave it out.
    with unit_of_work(with_areas) as s:
        for kind, today in (("overdue", "2027-06-01"), ("upcoming", "2027-01-04")):
            rows = work_lists.work_list(
                s, kind, actor="test", today=dt.date.fromisoformat(today), days=200
            )
            assert "H1" not in {r["household"] for r in rows}, kind
            assert kind == "overdue" or {r["household"] for r in rows} == {"H2"}
    # A new pairing leaves it unpaired, saying why; committing it ends its pairing.
    with unit_of_work(with_areas) as s:
        again = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        assert again.figures["unpaired_reasons"] == {"no_consent": 1}
        pairing.commit(s, again.id, actor="test", today=START)
    with with_areas.connect() as conn:
        reason, ended = conn.execute(
            text(
                "SELECT pp.reason, p.end_reason FROM proposed_pairs pp "
                "JOIN households h ON h.id = pp.household_id "
                "JOIN pairings p ON p.household_id = h.id "
                "WHERE h.external_id = 'H1' AND pp.proposal_id = :id"
            ),
            {"id": again.id},
        ).one()
    assert (reason, ended) == ("no_consent", "consent_withdrawn")
    # Planning again drops its planned visits; the other household keeps its own.
    with unit_of_work(with_areas) as s:
        planning.plan_area(
            s, "R", planning.PlanSettings(start=START, months=4), actor="test", today=START
        )
    with with_areas.connect() as conn:
        planned: dict[str, int] = dict(
            conn.execute(
                text(
                    "SELECT h.external_id, COUNT(v.id) FROM households h "
                    "LEFT JOIN visits v ON v.household_id = h.id AND v.status = 'planned' "
                    "GROUP BY h.external_id"
                )
            ).all()
        )
    assert planned["H1"] == 0 and planned["H2"] > 0


def _calendar(engine: Engine, visitor_id: str = "V1") -> set[str]:
    with unit_of_work(engine) as s:
        rows = calendars.visitor_calendar(s, visitor_id, actor="test", since=START)
    return {h for h, _, _, _ in rows}


def test_a_visitors_calendar_leaves_out_what_nobody_is_to_visit_before_planning_again(
    with_areas: Engine, tmp_path: Path
) -> None:
    _paired_and_planned(with_areas, tmp_path)
    assert _calendar(with_areas) == {"H1", "H2"}
    # Consent withdrawn: its visits go from the calendar at once, as from the work lists.
    run_import(with_areas, "households", _households(tmp_path, "withdrawn"))
    assert _calendar(with_areas) == {"H2"}
    # The visitor's last day passed (set by hand here): nothing after it; then back.
    for last, left in ((START - dt.timedelta(days=1), set()), (None, {"H2"})):
        with with_areas.begin() as conn:
            conn.execute(
                text("UPDATE visitors SET active_to = :day WHERE external_id = 'V1'"),
                {"day": last},
            )
        assert _calendar(with_areas) == left
    # A pairing ended (by hand here): its visits from the end on go too.
    with with_areas.begin() as conn:
        conn.execute(
            text(
                "UPDATE pairings SET ended_on = :day, end_reason = 'repaired' WHERE household_id "
                "= (SELECT id FROM households WHERE external_id = 'H2')"
            ),
            {"day": START},
        )
    assert _calendar(with_areas) == set()


def _updates_of_h1(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM audit_events WHERE entity = 'household' "
                    "AND entity_id = 'H1' AND action = 'update'"
                )
            ).scalar_one()
        )


def _planned_of_h1(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM visits vi JOIN households h ON h.id = vi.household_id "
                    "WHERE h.external_id = 'H1' AND vi.status = 'planned'"
                )
            ).scalar_one()
        )


def test_a_consent_form_dated_before_a_withdrawal_and_entered_after_it_does_not_undo_it(
    with_areas: Engine, tmp_path: Path
) -> None:
    # H1 consented on 2026-11-30 and withdrew on 2026-12-01; a form it signed on 2026-10-01
    # is entered after that. The withdrawal, the latest act by date, stays in force. H1 is
    # planned from today at the earliest, so that the withdrawal has visits to take off.
    start = dt.date.fromisoformat(PLAN_START)
    _paired_and_planned(with_areas, tmp_path, start)
    for name, consent, day in (
        ("w.csv", "withdrawn", "2026-12-01"),
        ("late.csv", "given", "2026-10-01"),
    ):
        rows = [household(household_id="H1", consent=consent, consent_date=day)]
        before, planned = _updates_of_h1(with_areas), _planned_of_h1(with_areas)
        summary = run_import(
            with_areas, "households", write_csv(tmp_path / name, HOUSEHOLD_HEADER, rows)
        )
        assert (summary.updated, summary.unchanged) == (1, 0)
        # The history grew, and the withdrawal cancelled H1's planned visits: each audited.
        cancelled = planned - _planned_of_h1(with_areas)
        assert cancelled == (planned if consent == "withdrawn" else 0)
        assert _updates_of_h1(with_areas) == before + 1 + cancelled
    assert summary.notes == (
        "1 consent act dated before the household's current one went to its history; "
        "the current act stays in force.",
    )
    # The same file again (as an old registry imported again brings its acts): the act is
    # history already, so nothing is written or audited.
    before = _updates_of_h1(with_areas)
    again = run_import(
        with_areas, "households", write_csv(tmp_path / "late.csv", HOUSEHOLD_HEADER, rows)
    )
    assert (again.updated, again.unchanged) == (0, 1)
    assert again.notes == (
        "1 household's consent act in the file is already in its consent history (an older "
        "registry?): not applied again; the act in force stays. To record one anew, give it "
        "a consent_date not in the history.",
    )
    assert _updates_of_h1(with_areas) == before
    with with_areas.connect() as conn:
        current = conn.execute(
            text("SELECT consent_state, consent_since FROM households WHERE external_id = 'H1'")
        ).one()
        history = conn.execute(
            text(
                "SELECT r.action, r.recorded_on FROM consent_records r JOIN households h "
                "ON h.id = r.household_id WHERE h.external_id = 'H1' ORDER BY r.id"
            )
        ).all()
    assert (current[0], str(current[1])) == ("withdrawn", "2026-12-01")
    assert [(a, str(d)) for a, d in history] == [("given", "2026-11-30"), ("given", "2026-10-01")]
    with unit_of_work(with_areas) as s:
        again = pairing.propose(s, "R", params=PairingParams(), actor="test", today=START)
        assert again.figures["unpaired_reasons"] == {"no_consent": 1}
        for kind in ("overdue", "upcoming"):
            day = start + dt.timedelta(days=56)
            rows = work_lists.work_list(s, kind, actor="test", today=day, days=200)
            assert "H1" not in {r["household"] for r in rows}, kind
            assert kind == "overdue" or {r["household"] for r in rows} == {"H2"}
