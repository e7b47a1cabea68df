from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing import insert as insert_module
from doorstep.engine.pairing.insert import insert
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, PairingProblem, PairingProblemBuilder
from tests.engine.pairing.instances import towns
from tests.engine.pairing.reference import exact_insertion
from tests.engine.pairing.test_incremental import paired_region, with_current
from tests.engine.pairing.test_solve import problems


def check(p: PairingProblem, new: np.ndarray, params: PairingParams) -> None:
    """Feasible, nobody who kept an allowed pair is dropped, and exact: the most newcomers
    paired, at the least cost, whether or not all of them can be."""
    r = insert(p, new, params=params)
    assert r.exact
    v = r.visitor
    h = np.flatnonzero(v != NONE)
    assert (np.bincount(v[h], minlength=p.n_visitors) <= p.visitor_capacity).all()
    assert p.eligible(h, v[h]).all()
    d = haversine_m_array(
        p.household_lat[h], p.household_lon[h], p.visitor_lat[v[h]], p.visitor_lon[v[h]]
    )
    assert ((np.rint(d) <= params.max_m) | (p.visitor_pool[v[h]] != NONE)).all()
    kept = (p.household_current != NONE) & ~np.isin(np.arange(p.n_households), r.released)
    assert (v[kept] != NONE).all()  # an existing pair may move, never vanish
    assert set(r.moved.tolist()) == set(np.flatnonzero(kept & (v != p.household_current)).tolist())
    paired, cost = exact_insertion(p, new, max_km=params.max_km, keep_km=params.keep_km)
    assert (r.paired, r.cost) == (paired, cost)


def some_newcomers(p: PairingProblem, data: st.DataObject) -> np.ndarray:
    """Any of the households without a current visitor, drawn."""
    free = np.flatnonzero(p.household_current == NONE)
    return np.array(
        data.draw(st.lists(st.sampled_from(free.tolist()), unique=True)) if len(free) else [],
        dtype=np.int64,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from([0.0, 0.3, 5.0]), st.data())
def test_insertion_equals_an_independent_assignment_solve(
    p: PairingProblem, keep_km: float, data: st.DataObject
) -> None:
    new = some_newcomers(p, data)
    check(p, new, PairingParams(max_km=30, keep_km=keep_km))


@pytest.mark.parametrize("seed", range(6))
def test_chains_of_moves_in_crowded_towns_are_exact(seed: int) -> None:
    # Towns short of visitors, everyone paired somewhere, newcomers in the crowded towns: the
    # cheapest way in is often a chain of moves, and the searches must find the best one.
    p = towns(households=160, visitors=70, seed=seed, n_towns=5, spread_km=25, skew=1.2)
    rng = np.random.default_rng(seed)
    first = insert(p, np.arange(120))  # pair 120 from nothing: every household is new
    current = first.visitor.copy()
    current[120:] = NONE
    region = with_current(p, current, np.arange(120, 160))
    for keep_km in (0.0, 1.0, 5.0):
        check(region, np.arange(120, 160), PairingParams(keep_km=keep_km))
    check(region, np.sort(rng.choice(np.arange(120, 160), 10, replace=False)), PairingParams())


def test_newcomers_take_the_room_that_is_there_and_nobody_moves() -> None:
    p, new = paired_region()
    r = insert(p, new, params=PairingParams(keep_km=5))
    assert r.paired == 100
    assert len(r.moved) == 0
    old = np.arange(1000)
    assert np.array_equal(r.visitor[old], p.household_current[old])


def test_a_chain_moves_a_household_when_it_is_worth_keep_km() -> None:
    # v_near is full with h_old, who lives between both visitors; the newcomer lives next to
    # v_near and far from v_far. Moving h_old costs keep_km plus what it gains in distance.
    def region(keep_km: float) -> tuple[int, int]:
        b = PairingProblemBuilder()
        b.add_visitor("v_near", 27.0, 107.0, "zh", capacity=1)
        b.add_visitor("v_far", 27.0, 107.2, "zh", capacity=1)
        b.add_household("h_old", 27.0, 107.1, "zh", current_visitor="v_near")
        b.add_household("h_new", 27.0, 107.001, "zh")
        p = b.build()
        r = insert(p, np.array([1]), params=PairingParams(keep_km=keep_km))
        return int(r.visitor[0]), int(r.visitor[1])

    assert region(0.0) == (1, 0)  # h_old moves (no extra metres), h_new next door
    assert region(25.0) == (0, 1)  # moving costs 25 km: h_new goes 20 km to v_far instead


def full_row(b: PairingProblemBuilder, n: int, step: float) -> None:
    """``n`` Chinese-speaking visitors of one place each along 27 N from 107 E, ``step``
    degrees apart, each full with a household at its door (visitors and households 0..n-1)."""
    for i in range(n):
        b.add_visitor(f"full{i}", 27.0, 107.0 + i * step, "zh", capacity=1)
        b.add_household(f"old{i}", 27.0, 107.0 + i * step, "zh", current_visitor=f"full{i}")


def test_a_newcomer_without_room_in_reach_is_paired_through_the_cheapest_chain() -> None:
    # No visitor with room may visit the newcomer (room_w is 5.9 km away, room_e speaks only
    # Hmong), so a first pass finds some chain to room and bounds the search with its cost.
    # It looks west first: "hb" to room_w (2.99 km in all). The search then finds the
    # cheaper chain east: the newcomer to "mid", whose Hmong household goes to room_e
    # (2.49 km).
    b = PairingProblemBuilder()
    b.add_visitor("b", 27.0, 106.99, "zh", capacity=1)
    b.add_visitor("mid", 27.0, 107.01, "zh;hmn", capacity=1)
    b.add_visitor("room_e", 27.0, 107.015, "hmn", capacity=1)
    b.add_visitor("room_w", 27.0, 106.94, "zh", capacity=1)
    b.add_household("hb", 27.0, 106.97, "zh", current_visitor="b")
    b.add_household("hmid", 27.0, 107.01, "hmn", current_visitor="mid")
    b.add_household("new", 27.0, 107.0, "zh")
    p = b.build()
    params = PairingParams(max_km=5, keep_km=1)
    r = insert(p, np.array([2]), params=params)
    assert r.exact
    assert r.visitor.tolist() == [0, 2, 1]
    check(p, np.array([2]), params)


def test_a_chain_out_of_reach_may_end_at_a_remote_pools_visitor() -> None:
    # No room in reach of the newcomer, and none anywhere locally: the only way in is for
    # "hp", a household of the remote pool paired next door, to go to the pool's visitor
    # with room 600 km away (a pool's pairs have no distance limit).
    b = PairingProblemBuilder()
    b.add_visitor("a", 27.0, 107.0, "zh", capacity=1)
    b.add_visitor("far", 32.4, 107.0, "zh", capacity=1, pool="remote")
    b.add_household("hp", 27.0, 107.001, "zh", current_visitor="a", pool="remote")
    b.add_household("new", 27.0, 107.0, "zh")
    p = b.build()
    r = insert(p, np.array([1]))
    assert r.visitor.tolist() == [1, 0]
    check(p, np.array([1]), PairingParams())


def no_room_in_reach() -> PairingProblem:
    """Every visitor households 5 and 6 can reach is full and nothing they hold can move to
    room (the only room speaks another language)."""
    b = PairingProblemBuilder()
    full_row(b, 5, 0.01)
    b.add_visitor("room", 27.0, 107.05, "hmn", capacity=3)
    b.add_household("new1", 27.0, 107.02, "zh")
    b.add_household("new2", 27.0, 107.03, "zh")
    return b.build()


def test_a_newcomer_with_no_room_reachable_stays_unpaired_and_its_closed_set_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Unscreened, both stay unpaired, the first pass proves it once, and the second newcomer
    # finds every visitor it could use already skipped.
    monkeypatch.setattr(insert_module, "_SCREEN_SHARE", 0)
    p = no_room_in_reach()
    r = insert(p, np.array([5, 6]))
    assert r.paired == 0 and r.exact
    assert r.settled == 5  # the five full visitors, reached once
    check(p, np.array([5, 6]), PairingParams())


def test_newcomers_no_chain_can_pair_are_screened_out_before_any_search() -> None:
    # Two newcomers among seven households: screened (one global search finds both with no
    # way to room), so neither is searched, and both are listed as new and left unpaired.
    p = no_room_in_reach()
    r = insert(p, np.array([5, 6]))
    assert (r.paired, r.searches, r.settled, r.exact) == (0, 0, 0, True)
    assert r.new.tolist() == [5, 6]
    check(p, np.array([5, 6]), PairingParams())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from([0.0, 5.0]), st.data())
def test_screening_the_newcomers_changes_no_insertion(
    p: PairingProblem, keep_km: float, data: st.DataObject
) -> None:
    # A newcomer with no way to room has none after any augmentation either, so leaving it
    # out of the searches can change neither who is paired nor the cost.
    new = some_newcomers(p, data)
    params = PairingParams(max_km=30, keep_km=keep_km)
    runs = []
    for share in (0, 10**9):  # never screened, always screened
        with pytest.MonkeyPatch.context() as m:
            m.setattr(insert_module, "_SCREEN_SHARE", share)
            runs.append(insert(p, new, params=params))
    plain, screened = runs
    # The same optimum; which of two ways in of equal cost is taken may differ.
    assert (screened.cost, screened.paired, screened.exact, screened.chosen) == (
        plain.cost,
        plain.paired,
        plain.exact,
        plain.chosen,
    )
    assert screened.new.tolist() == plain.new.tolist()
    assert screened.searches <= plain.searches


def test_full_visitors_that_cannot_beat_the_room_in_reach_are_not_settled() -> None:
    # Twenty full visitors next to the newcomer, each with a household at its door, and room
    # ~7.9 km away. Leaving a full visitor costs keep_km plus what its household gains towards
    # the room (capped at two moves): 10 km here, so no chain can beat the room and the search
    # proves it without settling any full visitor. With zero potentials it settled all twenty.
    b = PairingProblemBuilder()
    full_row(b, 20, 0.0005)
    b.add_visitor("room", 27.0, 107.08, "zh", capacity=1)
    b.add_household("new", 27.0, 107.0, "zh")
    p = b.build()
    params = PairingParams(keep_km=5)
    r = insert(p, np.array([20]), params=params)
    assert r.visitor[20] == 20
    assert r.settled == 0
    check(p, np.array([20]), params)


def test_the_newcomer_next_to_the_last_room_gets_it_before_one_that_needs_a_chain() -> None:
    # One place left, at "room". "far" (listed first) reaches it only through a chain that
    # moves "old" out of "full"; "near" lives at its door. Only one can have the place, and
    # the cheaper way in wins, so nobody moves.
    b = PairingProblemBuilder()
    b.add_visitor("full", 27.0, 107.0, "zh", capacity=1)
    b.add_visitor("room", 27.0, 107.2, "zh", capacity=1)
    b.add_household("old", 27.0, 107.1, "zh", current_visitor="full")
    b.add_household("far", 27.0, 106.95, "zh")  # 25 km from "room": beyond the limit
    b.add_household("near", 27.0, 107.2, "zh")
    p = b.build()
    r = insert(p, np.array([1, 2]), params=PairingParams(max_km=20, keep_km=1))
    assert r.visitor.tolist() == [0, NONE, 1]
    assert len(r.moved) == 0
    check(p, np.array([1, 2]), PairingParams(max_km=20, keep_km=1))


def test_with_too_few_places_the_newcomers_paired_are_those_that_cost_least() -> None:
    # Two places, three newcomers. "a" has room nearest ("r1", 1 km) but "b" is nearer
    # still and can use nothing else, so "a" would have to take "r2" (8.9 km), the only place
    # "c" can use (5 km). Pairing "b" and "c" costs 5.9 km, "b" and "a" 9.8 km: "a" is the one
    # left out, though its nearest room is nearer than "c"'s.
    b = PairingProblemBuilder()
    b.add_visitor("r1", 27.0, 107.0, "zh", capacity=1)
    b.add_visitor("r2", 27.0, 107.1, "zh", capacity=1)
    b.add_household("a", 27.0, 107.01, "zh")
    b.add_household("b", 27.0, 106.991, "zh")  # 10.8 km from "r2": beyond the limit
    b.add_household("c", 27.0, 107.15, "zh")  # 14.9 km from "r1"
    p = b.build()
    params = PairingParams(max_km=10)
    r = insert(p, np.array([0, 1, 2]), params=params)
    assert r.visitor.tolist() == [NONE, 0, 1]
    # The first pass (nearest room first: "b", "a", "c") pairs "a" where "c" could have been,
    # so a second pass chooses, in which "a" finds its way dearer than "c"'s bound and waits.
    assert r.searches == 3 + 4
    check(p, np.array([0, 1, 2]), params)


def test_choosing_who_is_left_out_is_given_up_past_its_budget_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same three newcomers, with no budget for the pass that chooses: the first pass's
    # choice (nearest room first: "b", then "a" into "r2") stands, and the result says it is
    # not proved least-cost.
    b = PairingProblemBuilder()
    b.add_visitor("r1", 27.0, 107.0, "zh", capacity=1)
    b.add_visitor("r2", 27.0, 107.1, "zh", capacity=1)
    b.add_household("a", 27.0, 107.01, "zh")
    b.add_household("b", 27.0, 106.991, "zh")
    b.add_household("c", 27.0, 107.15, "zh")
    p = b.build()
    monkeypatch.setattr(insert_module, "_CHOICE_FACTOR", 0.0)
    monkeypatch.setattr(insert_module, "_CHOICE_ALLOWANCE_S", 0.0)
    r = insert(p, np.array([0, 1, 2]), params=PairingParams(max_km=10))
    assert r.visitor.tolist() == [1, 0, NONE]
    assert (r.chosen, r.exact, r.paired) == (False, False, 2)


class Recorder:
    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.advanced = 0

    def stage(self, name: str, total: int) -> None:
        self.stages.append((name, total))

    def advance(self, amount: int = 1) -> None:
        self.advanced += amount


def test_progress_hears_of_every_newcomer_searched() -> None:
    p, new = paired_region()
    heard = Recorder()
    r = insert(p, new, progress=heard)
    assert heard.stages == [("pairing the new households", len(r.new))]
    assert heard.advanced == len(r.new) > 16  # more than one batch


def test_pairs_that_no_longer_hold_are_released_and_re_paired() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("gone", 27.0, 107.0, "zh", capacity=2, active=False)
    b.add_visitor("small", 27.0, 107.01, "zh", capacity=1)
    b.add_visitor("spare", 27.0, 107.02, "zh", capacity=3)
    b.add_household("a", 27.0, 107.0, "zh", current_visitor="gone")
    b.add_household("b", 27.0, 107.01, "zh", current_visitor="small")
    b.add_household("c", 27.0, 107.03, "zh", current_visitor="small")  # over capacity, farther
    b.add_household("d", 27.0, 107.02, "zh", current_visitor="spare", consent=False)
    p = b.build()
    r = insert(p, np.zeros(0, np.int64))
    assert sorted(r.released.tolist()) == [0, 2, 3]
    assert sorted(r.new.tolist()) == [0, 2]  # d has withdrawn consent: released, not re-paired
    assert r.visitor.tolist() == [2, 1, 2, NONE]
    assert len(r.moved) == 0


def test_a_new_household_with_a_visitor_is_refused() -> None:
    p, new = paired_region()
    with pytest.raises(ValueError, match="current visitor"):
        insert(p, np.array([0]))
    with pytest.raises(ValueError, match="balance"):
        insert(p, new, params=PairingParams(balance_m=100))


def test_a_search_cut_short_still_pairs_validly_and_says_so() -> None:
    p = towns(households=160, visitors=70, seed=1, n_towns=5, spread_km=25, skew=1.2)
    first = insert(p, np.arange(120))
    region = with_current(p, first.visitor, np.arange(120, 160))
    r = insert(region, np.arange(120, 160), max_settled=1)
    assert not r.exact and r.cut > 0
    h = np.flatnonzero(r.visitor != NONE)
    assert (np.bincount(r.visitor[h], minlength=p.n_visitors) <= p.visitor_capacity).all()
    assert p.eligible(h, r.visitor[h]).all()
    assert r.paired == insert(region, np.arange(120, 160)).paired


def test_towns_astride_the_antimeridian_get_the_same_insertion() -> None:
    p = towns(households=300, visitors=150, seed=2, skew=1.0, spread_km=40)
    centre = float(np.median(np.r_[p.household_lon, p.visitor_lon]))

    def moved(lon: np.ndarray) -> np.ndarray:
        return np.asarray(np.mod(lon - centre + 360.0, 360.0) - 180.0)

    first = insert(p, np.arange(250)).visitor
    here = with_current(p, first, np.arange(250, 300))
    there = dataclasses.replace(
        here, household_lon=moved(p.household_lon), visitor_lon=moved(p.visitor_lon)
    )
    assert (there.household_lon > 179.8).any() and (there.household_lon < -179.8).any()
    a, b = insert(here, np.arange(250, 300)), insert(there, np.arange(250, 300))
    assert a.exact and b.exact and a.paired > 0
    assert a.visitor.tolist() == b.visitor.tolist()
    assert a.cost == b.cost
