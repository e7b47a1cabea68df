from __future__ import annotations

import math

import numpy as np
import pytest

from doorstep.domain.geo import EARTH_RADIUS_M, haversine_m_array
from doorstep.engine.pairing.incremental import neighbourhood, pair_new
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import NONE, PairingProblem, PairingProblemBuilder
from doorstep.engine.pairing.result import Unpaired
from doorstep.engine.pairing.solve import solve
from tests.engine.pairing.instances import towns


def with_current(p: PairingProblem, visitor: np.ndarray, new: np.ndarray) -> PairingProblem:
    current = visitor.astype(np.int32).copy()
    current[new] = NONE
    return PairingProblem(
        household_ids=p.household_ids,
        household_lat=p.household_lat,
        household_lon=p.household_lon,
        household_languages=p.household_languages,
        household_current=current,
        visitor_ids=p.visitor_ids,
        visitor_lat=p.visitor_lat,
        visitor_lon=p.visitor_lon,
        visitor_languages=p.visitor_languages,
        visitor_capacity=p.visitor_capacity,
        languages=p.languages,
    )


def paired_region() -> tuple[PairingProblem, np.ndarray]:
    """A region paired without its last 100 households, which then arrive."""
    p = towns(households=1100, visitors=1100, seed=8, n_towns=10, spread_km=150, skew=0.0)
    old = np.arange(1000)
    region = PairingProblem(
        household_ids=p.household_ids[old],
        household_lat=p.household_lat[old],
        household_lon=p.household_lon[old],
        household_languages=p.household_languages[old],
        visitor_ids=p.visitor_ids,
        visitor_lat=p.visitor_lat,
        visitor_lon=p.visitor_lon,
        visitor_languages=p.visitor_languages,
        visitor_capacity=p.visitor_capacity,
        languages=p.languages,
    )
    before = solve(region).visitor
    visitor = np.r_[before, np.full(100, NONE, np.int32)]
    return with_current(p, visitor, np.arange(1000, 1100)), np.arange(1000, 1100)


def test_new_households_are_paired_without_moving_existing_pairs() -> None:
    p, new = paired_region()
    local = pair_new(p, new, params=PairingParams(keep_km=30))
    assert local.result.certified
    visitor = local.visitor_of(p.n_households, p.household_current)
    old = np.arange(1000)
    assert np.array_equal(visitor[old], p.household_current[old])
    assert (visitor[new] != NONE).all()
    loads = np.bincount(visitor[visitor != NONE], minlength=p.n_visitors)
    assert (loads <= p.visitor_capacity).all()


def test_without_continuity_the_neighbourhood_is_reoptimised() -> None:
    p, new = paired_region()
    local = pair_new(p, new, params=PairingParams(keep_km=0))
    kept = pair_new(p, new, params=PairingParams(keep_km=30))
    # Moving is allowed only when it is worth more than keep_km: with 0 it may only help.
    assert local.result.paired >= kept.result.paired
    assert local.result.total_distance_m <= kept.result.total_distance_m


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_neighbourhood_holds_every_visitor_within_reach_of_a_new_household(seed: int) -> None:
    # Brute force: every active local visitor within the limit of some new household, however
    # spread the new households are (one town, or the whole region).
    p = towns(households=800, visitors=600, seed=seed, n_towns=12, spread_km=200, skew=0.5)
    rng = np.random.default_rng(seed)
    for new in (np.arange(10), rng.choice(p.n_households, 40, replace=False)):
        _, visitors = neighbourhood(p, np.sort(new), 30_000.0)
        h = np.repeat(new, p.n_visitors)
        v = np.tile(np.arange(p.n_visitors), len(new))
        d = haversine_m_array(
            p.household_lat[h], p.household_lon[h], p.visitor_lat[v], p.visitor_lon[v]
        )
        near = np.unique(v[d <= 30_000.0 * 0.999])
        assert set(near.tolist()) <= set(visitors.tolist())


def test_a_newcomer_across_the_antimeridian_from_its_visitor_is_paired() -> None:
    # 2 km apart, at 179.99E and 179.99W: the neighbourhood's longitude box must wrap.
    b = PairingProblemBuilder()
    b.add_visitor("west", -17.5, -179.99, "fj", capacity=1)
    b.add_household("new", -17.5, 179.99, "fj")
    p = b.build()
    local = pair_new(p, np.array([0]))
    assert local.visitor_of(p.n_households, p.household_current).tolist() == [0]


def test_a_newcomer_with_no_visitor_in_reach_stays_unpaired_with_its_reason() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("far", 27.0, 108.0, "zh", capacity=1)  # about 99 km away
    b.add_household("new", 27.0, 107.0, "zh")
    p = b.build()
    local = pair_new(p, np.array([0]))
    assert len(local.visitors) == 0
    assert local.visitor_of(p.n_households, p.household_current).tolist() == [NONE]
    assert local.result.reason(0) is Unpaired.NO_VISITOR_WITHIN_DISTANCE


def test_the_neighbourhood_takes_in_a_visitor_at_the_limit_after_rounding() -> None:
    # 30,000.3 m due north rounds to 30,000 m: eligible, as everywhere else.
    b = PairingProblemBuilder()
    b.add_visitor("edge", 27.0 + math.degrees(30_000.3 / EARTH_RADIUS_M), 107.0, "zh", capacity=1)
    b.add_household("new", 27.0, 107.0, "zh")
    p = b.build()
    assert p.metres(np.array([0]), np.array([0])).tolist() == [30_000]
    assert neighbourhood(p, np.array([0]), 30_000.0)[1].tolist() == [0]
