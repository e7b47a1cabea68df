from __future__ import annotations

import math

import numpy as np

from doorstep.domain.geo import EARTH_RADIUS_M, to_unit_xyz
from doorstep.engine.pairing.coarse import _grouped, _hub_arcs, _Rows, _transport


def _rows(lat: np.ndarray, lon: np.ndarray, masks: np.ndarray, units: int) -> _Rows:
    return _Rows(lat, lon, masks.astype(np.int64), to_unit_xyz(lat, lon), np.full(len(lat), units))


def _town(rng: np.random.Generator, lat: float, n: int, shift: int) -> tuple[np.ndarray, ...]:
    """``n`` people within a few hundred metres, each speaking language 0 and one of 30
    others: 30 language masks in one cell."""
    masks = np.uint64(1) | (
        np.uint64(1) << (np.uint64(1) + (np.arange(n) + shift) % 30).astype(np.uint64)
    )
    return lat + rng.normal(0, 0.002, n), 107.0 + rng.normal(0, 0.002, n), masks


def test_cells_of_many_language_masks_are_joined_once_per_language() -> None:
    # Joining groups pairwise made 30 x 30 arcs between two such cells (each pair shares
    # language 0); hubs make one per language the two cells share.
    rng = np.random.default_rng(1)
    supply = _rows(*_town(rng, 27.0, 90, 0), units=1)
    room = _rows(*_town(rng, 27.09, 90, 7), units=2)
    step = math.degrees(10_000 / EARTH_RADIUS_M)
    s, r = _grouped(supply, step), _grouped(room, step)
    assert len(s.units) == len(r.units) == 30  # one cell each side, 30 masks
    reach = 2.0 * math.sin((30_000 + 20_000) / EARTH_RADIUS_M / 2.0)
    a_s, a_r, cost = _hub_arcs(s, r, reach)
    assert sorted(s.hub_bit[a_s]) == list(range(31))
    assert (s.hub_bit[a_s] == r.hub_bit[a_r]).all()
    assert ((cost > 9_000) & (cost < 11_000)).all()  # the two towns are 10 km apart


def test_units_reach_room_only_through_a_shared_language() -> None:
    # Two supply groups: one is placed 1.1 km away (its price the arc's cost), the other
    # speaks a language no room speaks (no arc: priced at the leak, above any arc).
    lat = np.array([27.0, 27.0])
    lon = np.array([107.0, 107.0])
    supply = _rows(lat, lon, np.array([0b01, 0b10], np.uint64), units=1)
    room = _rows(lat + 0.01, lon, np.array([0b01, 0b01], np.uint64), units=1)
    price, cheapest, room_price = _transport(supply, room, 30_000.0, 3.0)
    assert price[0] == cheapest[0] and 1_000 < cheapest[0] < 1_200
    assert room_price.tolist() == [0, 0]  # room left: free
    assert price[1] > cheapest[1] > cheapest[0]
