from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from doorstep.engine.pairing.longitude import away_from_antimeridian, widest_gap_middle
from doorstep.engine.pairing.solve import solve
from tests.engine.pairing.instances import towns


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
    assert away_from_antimeridian(p) is p
    here, there = solve(p), solve(q)
    assert there.certified and here.certified
    assert there.visitor.tolist() == here.visitor.tolist()
    assert there.total_cost == here.total_cost
