"""Database-mode pairing: proposals are reviewed, committed with history, refused when stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from doorstep.domain.languages import known_codes
from doorstep.engine.pairing.params import PairingParams
from doorstep.errors import Conflict, InvalidInput, NotFound
from doorstep.services import cadence, pairing
from doorstep.storage.session import unit_of_work
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def village(with_areas: Engine, tmp_path: Path) -> Engine:
    """Three households and two visitors a few hundred metres apart in village one."""
    hh = [
        household(household_id="H1", lat=26.580, lon=107.980),
        household(household_id="H2", lat=26.581, lon=107.981, languages="hmn"),
        household(household_id="H3", lat=26.582, lon=107.982, consent="pending", consent_date=""),
    ]
    vv = [
        visitor(visitor_id="V1", lat=26.583, lon=107.980, languages="zh", capacity=1),
        visitor(visitor_id="V2", lat=26.590, lon=107.990, languages="zh;hmn", capacity=2),
    ]
    _add(with_areas, tmp_path, "visitors", vv)
    _add(with_areas, tmp_path, "households", hh)
    return with_areas


def _add(
    engine: Engine,
    tmp_path: Path,
    kind: str,
    rows: Sequence[Mapping[str, Any]],
    extra: Sequence[str] = (),
) -> None:
    """Import ``rows`` of ``kind`` ("households" or "visitors") through a CSV file, as a
    user would; ``extra`` names optional columns the rows fill."""
    header = HOUSEHOLD_HEADER if kind == "households" else VISITOR_HEADER
    run_import(engine, kind, write_csv(tmp_path / f"{kind}.csv", [*header, *extra], rows))


def _propose(engine: Engine) -> pairing.ProposalView:
    with unit_of_work(engine) as s:
        return pairing.propose(s, "R", params=PairingParams(), actor="test", today=TODAY)


def _pairs(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT h.external_id, v.external_id, p.end_reason FROM pairings p "
                "JOIN households h ON h.id = p.household_id JOIN visitors v ON v.id = p.visitor_id "
                "ORDER BY p.id"
            )
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_a_proposal_pairs_consenting_households_and_explains_the_rest(village: Engine) -> None:
    view = _propose(village)
    f = view.figures
    assert (f["households"], f["consenting"], f["paired"], f["unpaired"]) == (3, 2, 2, 1)
    assert f["unpaired_reasons"] == {"no_consent": 1}
    assert f["certified"] is True
    assert f["cost_gap"] == 0
    assert view.status == "open"
    with unit_of_work(village) as s:
        changes = {
            c.household: c.proposed_visitor for c in pairing.diff(s, view.id, actor="test").changes
        }
    # H2 speaks only hmn: V2 is the only visitor it can talk to; H1 then takes V1 (nearer).
    assert changes == {"H1": "V1", "H2": "V2"}
    assert _pairs(village) == []


def test_a_diff_lists_the_first_changes_by_household_and_counts_them_all(
    village: Engine,
) -> None:
    view = _propose(village)
    with unit_of_work(village) as s:
        first = pairing.diff(s, view.id, actor="test", limit=1)
        every = pairing.diff(s, view.id, actor="test")
    assert (first.total, every.total) == (2, 2)
    assert [c.household for c in first.changes] == ["H1"]
    assert [c.household for c in every.changes] == ["H1", "H2"]


def test_churn_tells_a_household_left_with_no_visitor_from_one_moved_to_another(
    village: Engine,
) -> None:
    # "Moved 1" for a household that withdrew read as a hand-over to someone else.
    with unit_of_work(village) as s:
        pairing.commit(s, _propose(village).id, actor="test", today=TODAY)
    with village.begin() as conn:
        conn.execute(
            text("UPDATE households SET consent_state = 'withdrawn' WHERE external_id = 'H1'")
        )
    churn = _propose(village).figures["churn"]
    assert churn == {"kept": 1, "moved": 1, "ended": 1, "new": 0}


def test_committing_starts_pairings_and_a_second_run_moves_nothing(village: Engine) -> None:
    view = _propose(village)
    with unit_of_work(village) as s:
        assert pairing.commit(s, view.id, actor="test", today=TODAY) == {
            "ended": 0,
            "started": 2,
            "kept": 1,
        }
    assert _pairs(village) == [("H1", "V1", None), ("H2", "V2", None)]
    again = _propose(village)
    assert again.figures["churn"] == {"kept": 2, "moved": 0, "ended": 0, "new": 0}
    with unit_of_work(village) as s:
        assert pairing.diff(s, again.id, actor="test").changes == []


def test_a_proposal_made_stale_by_a_change_is_refused(village: Engine, tmp_path: Path) -> None:
    view = _propose(village)
    _add(village, tmp_path, "households", [household(household_id="H4")])
    with unit_of_work(village) as s, pytest.raises(Conflict, match=f"proposal {view.id} is stale"):
        pairing.commit(s, view.id, actor="test", today=TODAY)
    assert _pairs(village) == []


def test_withdrawn_consent_ends_the_pairing_with_that_reason(
    village: Engine, tmp_path: Path
) -> None:
    with unit_of_work(village) as s:
        pairing.commit(s, _propose(village).id, actor="test", today=TODAY)
    _add(
        village,
        tmp_path,
        "households",
        [household(household_id="H1", consent="withdrawn", consent_date="2026-06-02")],
    )
    view = _propose(village)
    with unit_of_work(village) as s:
        pairing.commit(s, view.id, actor="test", today=TODAY)
        with pytest.raises(Conflict, match="is committed"):
            pairing.discard(s, view.id, actor="test")
    assert _pairs(village) == [("H1", "V1", "consent_withdrawn"), ("H2", "V2", None)]


def test_a_visitor_outside_their_active_dates_gets_no_household(
    with_areas: Engine, tmp_path: Path
) -> None:
    vv = [
        visitor(visitor_id="V1", capacity=5, active_from="2026-07-01"),
        visitor(visitor_id="V2", capacity=5, active_to="2026-05-31"),
        visitor(visitor_id="V3", capacity=5, active_from="2026-01-01", active_to="2026-12-31"),
    ]
    _add(with_areas, tmp_path, "visitors", vv)
    _add(with_areas, tmp_path, "households", [household()])
    view = _propose(with_areas)
    with unit_of_work(with_areas) as s:
        assert [c.proposed_visitor for c in pairing.diff(s, view.id, actor="test").changes] == [
            "V3"
        ]


def _paired_long_ago(engine: Engine) -> None:
    """Commit a proposal of 100 days before TODAY, when no visitor's last day was near: a
    visitor about to leave keeps the households it looks after but takes no new one."""
    earlier = TODAY - dt.timedelta(days=100)
    with unit_of_work(engine) as s:
        view = pairing.propose(s, "R", params=PairingParams(), actor="test", today=earlier)
    with unit_of_work(engine) as s:
        pairing.commit(s, view.id, actor="test", today=earlier)


def test_the_figures_count_households_kept_by_visitors_about_to_leave(
    with_areas: Engine, tmp_path: Path
) -> None:
    # V1's last day is 59 days off, V2's 60: only V1 leaves within the 60 days counted.
    vv = [
        visitor(visitor_id="V1", capacity=2, active_to="2026-07-30"),
        visitor(visitor_id="V2", capacity=1, active_to="2026-07-31"),
    ]
    _add(with_areas, tmp_path, "visitors", vv)
    hh = [household(household_id=f"H{i}", lat=26.58 + i / 1000) for i in range(3)]
    _add(with_areas, tmp_path, "households", hh)
    _paired_long_ago(with_areas)
    view = _propose(with_areas)
    assert view.figures["paired"] == 3
    assert view.figures["churn"]["kept"] == 3
    assert view.figures["leaving_soon"] == {"within_days": 60, "households": 2, "visitors": 1}


def test_visitors_about_to_leave_are_counted_by_the_programme_s_cadence(
    with_areas: Engine, tmp_path: Path
) -> None:
    # V1 leaves in 40 days: within the default 60 days between visits, not within 30.
    _add(with_areas, tmp_path, "visitors", [visitor(visitor_id="V1", active_to="2026-07-11")])
    _add(with_areas, tmp_path, "households", [household()])
    _paired_long_ago(with_areas)
    assert _propose(with_areas).figures["leaving_soon"]["households"] == 1
    with unit_of_work(with_areas) as s:
        cadence.set_cadence(s, max_gap_days=30, stay_days=1, actor="test", today=TODAY)
    leaving = _propose(with_areas).figures["leaving_soon"]
    assert leaving == {"within_days": 30, "households": 0, "visitors": 0}


def test_an_explanation_names_the_visitor_and_why_the_others_were_not_chosen(
    village: Engine,
) -> None:
    _propose(village)
    with unit_of_work(village) as s:
        h1 = pairing.explain_household(s, "H1", actor="test")
        h3 = pairing.explain_household(s, "H3", actor="test")
    assert h1.explanation.visitor_id == "V1"
    assert h1.explanation.distance_m is not None and h1.explanation.distance_m < 500
    assert [(a.visitor_id, a.why.value) for a in h1.explanation.alternatives] == [("V2", "farther")]
    assert h1.stale is False
    assert h3.explanation.visitor_id is None
    assert h3.explanation.unpaired is not None
    assert h3.explanation.unpaired.value == "no_consent"


def test_a_remote_pool_visitor_travels_to_the_households_of_the_pool(
    with_areas: Engine, tmp_path: Path
) -> None:
    # R1 lives 400 km away, outside the area: only the pool brings it into the proposal, and
    # only for H2, the one household that names the pool.
    hh = [
        household(household_id="H1", lat=26.580, lon=107.980, remote_pool=""),
        household(household_id="H2", lat=26.581, lon=107.981, remote_pool="CITY"),
    ]
    vv = [
        visitor(visitor_id="V1", lat=26.583, lon=107.980, capacity=1),
        visitor(visitor_id="R1", lat=29.5, lon=110.0, capacity=3, remote_pool="CITY"),
    ]
    _add(with_areas, tmp_path, "visitors", vv, extra=["remote_pool"])
    _add(with_areas, tmp_path, "households", hh, extra=["remote_pool"])
    view = _propose(with_areas)
    with unit_of_work(with_areas) as s:
        changes = {
            c.household: c.proposed_visitor for c in pairing.diff(s, view.id, actor="test").changes
        }
    assert changes == {"H1": "V1", "H2": "R1"}
    assert view.figures["certified"] is True
    # A second household of the pool that no local visitor can take goes to R1 as well.
    _add(
        with_areas,
        tmp_path,
        "households",
        [household(household_id="H3", lat=26.582, lon=107.982, remote_pool="CITY")],
        extra=["remote_pool"],
    )
    with unit_of_work(with_areas) as s:
        again = pairing.diff(s, _propose(with_areas).id, actor="test").changes
    assert {c.household: c.proposed_visitor for c in again} == {
        "H1": "V1",
        "H2": "R1",
        "H3": "R1",
    }


def test_an_area_with_households_but_no_visitors_leaves_them_all_unpaired(
    with_areas: Engine, tmp_path: Path
) -> None:
    hh = [household(household_id="H1"), household(household_id="H2", lat=26.581)]
    _add(with_areas, tmp_path, "households", hh)
    view = _propose(with_areas)
    assert view.figures["unpaired_reasons"] == {"no_visitor_within_distance": 2}
    with unit_of_work(with_areas) as s:
        assert (
            pairing.diff(s, view.id, actor="test").changes == []
        )  # nobody had a visitor, nobody gets one
        h1 = pairing.explain_household(s, "H1", actor="test")
    assert h1.explanation.unpaired is not None
    assert h1.explanation.unpaired.value == "no_visitor_within_distance"


def test_an_area_without_households_is_refused_rather_than_stored_empty(
    village: Engine,
) -> None:
    with unit_of_work(village) as s, pytest.raises(NotFound, match="R-C-V2 has no households"):
        pairing.propose(s, "R-C-V2", params=PairingParams(), actor="test", today=TODAY)
    with village.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM pairing_proposals")).scalar_one() == 0


def test_more_languages_than_a_problem_holds_is_bad_input(
    with_areas: Engine, tmp_path: Path
) -> None:
    codes = sorted(c for c in known_codes() if len(c) == 2)[:65]
    hh = [household(household_id=f"H{i}", languages=c) for i, c in enumerate(codes)]
    _add(with_areas, tmp_path, "households", hh)
    with unit_of_work(with_areas) as s, pytest.raises(InvalidInput, match="65 distinct language"):
        pairing.propose(s, "R", params=PairingParams(), actor="test", today=TODAY)


def test_the_figures_hold_the_file_mode_summary_rounded_the_same_way(village: Engine) -> None:
    f = _propose(village).figures
    assert set(f) >= {
        "households",
        "paired",
        "unpaired",
        "total_distance_m",
        "mean_distance_m",
        "p95_distance_m",
        "moved",
        "certified",
        "stopped_by",
        "total_cost",
        "cost_lower_bound",
        "cost_gap",
        "unpaired_reasons",
        "seconds",
    }
    assert f["mean_distance_m"] == round(f["mean_distance_m"], 1)
    assert f["p95_distance_m"] == round(f["p95_distance_m"], 1)


def test_an_explanation_prefers_the_latest_open_or_committed_proposal(village: Engine) -> None:
    first = _propose(village)
    second = _propose(village)
    with unit_of_work(village) as s:
        pairing.discard(s, second.id, actor="test")
    with unit_of_work(village) as s:
        used = pairing.explain_household(s, "H1", actor="test")
    assert (used.proposal.id, used.proposal.status, used.fallback) == (first.id, "open", False)
    with unit_of_work(village) as s:
        pairing.discard(s, first.id, actor="test")
    with unit_of_work(village) as s:
        used = pairing.explain_household(s, "H1", actor="test")
    # Only discarded proposals are left: the latest of them, said to be a fallback.
    assert (used.proposal.id, used.fallback) == (second.id, True)


def test_a_committed_proposal_is_not_stale_because_of_its_own_commit(
    village: Engine, tmp_path: Path
) -> None:
    view = _propose(village)
    with unit_of_work(village) as s:
        pairing.commit(s, view.id, actor="test", today=TODAY)
    with unit_of_work(village) as s:
        after_commit = pairing.explain_household(s, "H1", actor="test")
    assert (after_commit.proposal.status, after_commit.stale) == ("committed", False)
    _add(village, tmp_path, "households", [household(household_id="H4")])
    with unit_of_work(village) as s:
        assert pairing.explain_household(s, "H1", actor="test").stale is True


def test_a_new_only_proposal_pairs_the_new_households_and_commits_keeping_the_pairs(
    village: Engine, tmp_path: Path
) -> None:
    with unit_of_work(village) as s:
        pairing.commit(s, _propose(village).id, actor="test", today=TODAY)
    # V3 opens at H1's door, and H4 moves in at V2's door, where V2 has room.
    _add(
        village,
        tmp_path,
        "visitors",
        [visitor(visitor_id="V3", lat=26.580, lon=107.980, capacity=1)],
    )
    _add(village, tmp_path, "households", [household(household_id="H4", lat=26.590, lon=107.990)])
    params = PairingParams(keep_km=0.1)
    with unit_of_work(village) as s:
        full = pairing.propose(s, "R", params=params, actor="test", today=TODAY)
        view = pairing.propose(s, "R", params=params, actor="test", today=TODAY, new_only=True)
    # A full re-pairing moves H1 to V3, 333 m nearer; pairing only the new households does not.
    assert (full.figures["churn"]["moved"], full.figures["churn"]["ended"]) == (1, 0)
    f = view.figures
    assert (f["mode"], f["new"], f["exact"], f["certified"]) == ("new_only", 1, True, False)
    assert f["churn"] == {"kept": 2, "moved": 0, "ended": 0, "new": 1}
    assert (f["paired"], f["unpaired_reasons"]) == (3, {"no_consent": 1})
    assert view.params["mode"] == "new_only"
    with unit_of_work(village) as s:
        h1 = pairing.explain_household(s, "H1", actor="test", proposal_id=view.id)
    # V3 is nearer and has room, but pairing only the new households keeps H1 where it is.
    nearest = h1.explanation.alternatives[0]
    assert (nearest.visitor_id, nearest.why.value) == ("V3", "continuity")
    with unit_of_work(village) as s:
        assert {
            c.household: c.proposed_visitor for c in pairing.diff(s, view.id, actor="test").changes
        } == {"H4": "V2"}
        counts = pairing.commit(s, view.id, actor="test", today=TODAY)
    assert counts == {"ended": 0, "started": 1, "kept": 3}
    assert _pairs(village) == [("H1", "V1", None), ("H2", "V2", None), ("H4", "V2", None)]


def test_a_new_only_proposal_with_balance_is_refused_before_anything_is_stored(
    village: Engine,
) -> None:
    with unit_of_work(village) as s, pytest.raises(InvalidInput, match="--balance-m"):
        pairing.propose(
            s, "R", params=PairingParams(balance_m=100), actor="test", today=TODAY, new_only=True
        )
    with village.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM pairing_proposals")).scalar_one() == 0
