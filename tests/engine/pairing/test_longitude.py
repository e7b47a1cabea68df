from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from scipy.spatial import cKDTree

from doorstep.engine.pairing.insert import insert
from doorstep.engine.pairing.longitude import (
    GridSeamError,
    away_from_antimeridian,
    widest_gap_middle,
)
from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import PairingProblem, PairingProblemBuilder
from doorstep.engine.pairing.solve import solve
from doorstep.errors import InvalidInput
from tests.engine.pairing.instances import towns
from tests.engine.pairing.reference import exact


def test_the_widest_empty_arc_is_found_across_the_antimeridian() -> None:
    assert widest_gap_middle(np.array([170.0, 175.0, -178.0, -160.0])) == pytest.approx(5.0)
    assert widest_gap_middle(np.array([100.0, 110.0])) == pytest.approx(-75.0)


@pytest.mark.parametrize("seed", [1, 2])
def test_towns_astride_the_antimeridian_pair_as_they_do_elsewhere(seed: int) -> None:
    # The same towns, moved so that ±180° runs through the middle of them (Fiji, Chukotka).
    p = towns(households=500, visitors=240, seed=seed, skew=1.0, spread_km=40)
    centre = float(np.median(np.r_[p.household_lon, p.visitor_lon]))

    def moved(lon: np.ndarray) -> np.ndarray:
        return np.asarray(np.mod(lon - centre + 360.0, 360.0) - 180.0)

    q = dataclasses.replace(
        p, household_lon=moved(p.household_lon), visitor_lon=moved(p.visitor_lon)
    )
    assert (q.household_lon > 179.8).any() and (q.household_lon < -179.8).any()
    assert away_from_antimeridian(p, 30_000.0) is p
    here, there = solve(p), solve(q)
    assert there.certified and here.certified
    assert there.visitor.tolist() == here.visitor.tolist()
    assert there.total_cost == here.total_cost


def _polar(seed: int, lon_lo: float, lon_hi: float) -> PairingProblem:
    """Homes within 60 km of the north pole, at longitudes in ``[lon_lo, lon_hi]``."""
    rng = np.random.default_rng(seed)
    b = PairingProblemBuilder()

    def home() -> tuple[float, float]:
        return float(90.0 - rng.uniform(0.02, 0.55)), float(rng.uniform(lon_lo, lon_hi))

    for i in range(14):
        places = int(rng.integers(0, 3))
        b.add_visitor(f"v{i}", *home(), "en" if i % 3 else "en;fr", capacity=places)
    for i in range(30):
        b.add_household(f"h{i}", *home(), "fr" if i % 4 == 0 else "en")
    return b.build()


def test_a_pair_across_a_pole_is_found_by_the_grid_searches() -> None:
    # x's only visitor, a, is 11 km away across the pole, 170 degrees of longitude round; y
    # takes a first (the nearest), so pairing both needs the count to find x -> a in its grid.
    b = PairingProblemBuilder()
    b.add_visitor("a", 89.95, 170.0, "en;fr", capacity=1)
    b.add_visitor("b", 89.95, 150.0, "en", capacity=1)
    b.add_household("x", 89.95, 0.0, "fr")
    b.add_household("y", 89.95, 171.0, "en")
    p = b.build()
    r = solve(p)
    assert r.visitor.tolist() == [0, 1] and r.certified
    assert (r.paired, r.total_cost) == exact(p)


@pytest.mark.parametrize("seed", range(6))
def test_near_a_pole_the_pairing_is_exact(seed: int) -> None:
    # Homes on one side of the pole only (a gap in longitude to put the grid's edge in), with
    # pairs across the pole up to 170 degrees of longitude apart.
    p = _polar(seed, -85.0, 85.0)
    r = solve(p)
    assert r.certified
    assert (r.paired, r.total_cost) == exact(p)


def _ring(lat: float, n: int) -> PairingProblem:
    """Visitors and households in turn round the north pole at ``lat``, ``n`` of each."""
    b = PairingProblemBuilder()
    step = 360.0 / (2 * n)
    for k in range(n):
        b.add_visitor(f"v{k}", lat, -180.0 + step * (2 * k + 1), "en", capacity=1)
        b.add_household(f"h{k}", lat, -180.0 + step * (2 * k + 2), "en")
    return b.build()


def test_homes_ringing_a_pole_are_refused_rather_than_paired_wrongly() -> None:
    # Households and visitors in turn all round the pole at 89.5 degrees, 14.5 km apart (a
    # search there reaches 89.77 degrees: not near enough to take in every longitude):
    # wherever the grid's edge goes, a household and a visitor in reach of each other lie on
    # either side of it.
    p = _ring(89.5, 12)
    with pytest.raises(GridSeamError, match=r"household h\d+ and visitor v\d+ are \d+ m apart"):
        solve(p)
    with pytest.raises(GridSeamError):
        insert(p, np.arange(12))
    assert issubclass(GridSeamError, InvalidInput)  # the front doors show it as bad input
    # A gap wider than the reach anywhere on the ring, and the same homes pair as exactly.
    q = PairingProblemBuilder()
    for k in range(9):
        q.add_visitor(f"v{k}", 89.5, -172.5 + 15.0 * (2 * k), "en", capacity=1)
        q.add_household(f"h{k}", 89.5, -157.5 + 15.0 * (2 * k), "en")
    ok = q.build()
    r = solve(ok)
    assert r.certified and (r.paired, r.total_cost) == exact(ok)


@pytest.mark.parametrize(("lat", "n"), [(89.8, 12), (89.75, 8), (89.95, 5)])
def test_homes_ringing_a_pole_near_enough_to_search_every_longitude_pair_exactly(
    lat: float, n: int
) -> None:
    # Every search from these homes reaches 89.9 degrees and takes in every longitude, so no
    # pair hides across the grid's edge: they are paired, as exactly as anywhere (the refusal
    # once covered them too, and a household at the pole with a visitor 0.2 degrees away).
    p = _ring(lat, n)
    r = solve(p)
    assert r.certified and (r.paired, r.total_cost) == exact(p)
    assert insert(p, np.arange(n)).paired == r.paired
    b = PairingProblemBuilder()
    b.add_household("h", 90.0, 0.0, "en")
    b.add_visitor("v", 89.8, 179.0, "en", capacity=1)
    b.add_visitor("w", 89.7, -10.0, "en", capacity=1)
    one = b.build()
    assert (solve(one).paired, solve(one).total_cost) == exact(one)


def test_homes_at_the_pole_itself_pair_whatever_their_longitudes() -> None:
    # At 90 degrees (or within 0.1 of it) every search takes in every longitude, so homes
    # there that ring the pole are found across the grid's edge: nothing to refuse.
    b = PairingProblemBuilder()
    for k, lon in enumerate((0.0, 120.0, -120.0)):
        b.add_household(f"h{k}", 90.0, lon, "en")
        b.add_household(f"n{k}", 89.95, lon + 60.0, "en")
    b.add_visitor("v0", 90.0, 0.0, "en", capacity=3)
    b.add_visitor("v1", 89.92, 179.0, "en", capacity=2)
    p = b.build()
    r = solve(p)
    assert r.certified and (r.paired, r.total_cost) == exact(p) == (5, exact(p)[1])
    assert insert(p, np.arange(6)).paired == 5


def test_a_remote_pool_far_away_does_not_turn_the_grid() -> None:
    # A household 30,000.5 m (after rounding: within the limit by numpy's metres, by a hair)
    # from its only local visitor, and a pool visitor on another continent. The pool is not
    # in the grid; turning every longitude for it moved this distance across the half metre
    # (found by a differential fuzz).
    b = PairingProblemBuilder()
    b.add_visitor("v24", -0.2684005242509342, -92.07817693003405, "zh", capacity=3)
    b.add_visitor("pool2", 70.88098592916141, 168.5834141431592, "zh;hmn", capacity=4,
                  pool="remote")  # fmt: skip
    b.add_household("h157", -0.058531769156181204, -91.90863966004632, "zh")
    p = b.build()
    assert away_from_antimeridian(p, 30_000.0) is p
    r = solve(p, params=PairingParams(candidates=1, keep_km=0.0))
    assert (r.paired, r.total_cost) == exact(p, max_km=30, keep_km=0.0)
    assert r.distance_m[0] == p.metres(np.array([0]), np.array([int(r.visitor[0])]))[0]


class _Listing(cKDTree):  # type: ignore[misc]
    """The real tree, counting the pairs its ball queries list."""

    listed = 0

    def query_ball_point(self, *args: Any, **kwargs: Any) -> Any:
        hits = super().query_ball_point(*args, **kwargs)
        _Listing.listed += sum(len(h) for h in hits)
        return hits


def test_a_limit_past_any_distance_lists_no_pair_at_the_edge_and_pairs_as_half_the_globe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A limit of 1e300 km (accepted: finite and positive) put every home "near" the grid's
    # edge, and the edge check listed every pair of the area: a county's 260M, which took
    # an API server's 23 GiB. Homes within 180° of longitude of each other straddle no edge.
    p = towns(households=400, visitors=240, seed=3)
    monkeypatch.setattr("doorstep.engine.pairing.longitude.cKDTree", _Listing)
    _Listing.listed = 0
    assert away_from_antimeridian(p, 1e303) is p
    assert _Listing.listed == 0
    far = solve(p, params=PairingParams(max_km=1e300))
    half = solve(p, params=PairingParams(max_km=20_100.0))  # past any two homes on Earth
    assert far.certified and half.certified
    assert (far.paired, far.total_cost) == (half.paired, half.total_cost)
    assert (far.paired, far.total_cost) == exact(p, max_km=20_100.0, keep_km=5.0)
