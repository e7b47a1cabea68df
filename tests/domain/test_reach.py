"""The box that prefilters points in range holds every one of them, and ``near_any`` keeps
exactly the points in range in whole metres."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from doorstep.domain.geo import (
    EARTH_RADIUS_M,
    chord_within,
    haversine_m,
    haversine_m_array,
    to_unit_xyz,
)
from doorstep.domain.reach import Box, bounding_box, near_any, reach_box

lats = st.floats(-90, 90, allow_nan=False)
lons = st.floats(-180, 180, allow_nan=False)


def _destination(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from ``(lat, lon)`` along ``bearing`` (radians), on the sphere."""
    p, lam, d = math.radians(lat), math.radians(lon), metres / EARTH_RADIUS_M
    p2 = math.asin(
        max(
            -1.0,
            min(1.0, math.sin(p) * math.cos(d) + math.cos(p) * math.sin(d) * math.cos(bearing)),
        )
    )
    lam2 = lam + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(p), math.cos(d) - math.sin(p) * math.sin(p2)
    )
    lon2 = (math.degrees(lam2) + 540.0) % 360.0 - 180.0
    return math.degrees(p2), lon2


def _inside(box: Box, lat: float, lon: float) -> bool:
    return bool(box.contains(np.array([lat]), np.array([lon]))[0])


@settings(max_examples=400, deadline=None)
@given(
    points=st.lists(st.tuples(lats, lons), min_size=1, max_size=5),
    which=st.integers(0, 4),
    bearing=st.floats(0, 2 * math.pi),
    share=st.floats(0, 1),
    metres=st.sampled_from([100.0, 5_000.0, 30_000.0, 300_000.0]),
)
def test_every_point_within_the_distance_of_a_point_is_in_the_box(
    points: list[tuple[float, float]], which: int, bearing: float, share: float, metres: float
) -> None:
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    box = reach_box(lat, lon, metres)
    start = points[which % len(points)]
    there = _destination(*start, bearing, share * metres)
    assert haversine_m(*start, *there) <= metres + 1e-3
    assert _inside(box, *there), (box, start, there)


def test_a_box_over_180_degrees_splits_and_one_at_a_pole_takes_every_longitude() -> None:
    east = bounding_box(np.array([0.0]), np.array([179.95]), 30_000.0)
    assert east.lon[0][1] == 180.0 and east.lon[1][0] == -180.0
    assert _inside(east, 0.0, -179.8) and not _inside(east, 0.0, -179.0)
    polar = bounding_box(np.array([89.9]), np.array([0.0]), 30_000.0)
    assert polar.lat_hi == 90.0 and _inside(polar, 89.9, 180.0)
    local = bounding_box(np.array([51.5]), np.array([-0.1]), 30_000.0)
    assert not _inside(local, 51.5, 0.5) and not _inside(local, 51.8, -0.1)


def test_no_points_make_an_empty_box() -> None:
    empty = bounding_box(np.array([]), np.array([]), 30_000.0)
    assert not _inside(empty, 0.0, 0.0)


@settings(max_examples=200, deadline=None)
@given(
    centre=st.tuples(st.floats(-89, 89), lons),
    n=st.integers(0, 30),
    m=st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_near_any_keeps_exactly_the_points_within_the_limit_in_whole_metres(
    centre: tuple[float, float], n: int, m: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    limit = 30_000.0
    # Points and targets scattered about one place, some well in reach, some just past it,
    # across 180 degrees where the centre is near it.
    lat = np.clip(centre[0] + rng.uniform(-0.6, 0.6, n), -90, 90)
    lon = (centre[1] + rng.uniform(-0.6, 0.6, n) + 540.0) % 360.0 - 180.0
    to_lat = np.clip(centre[0] + rng.uniform(-0.3, 0.3, m), -90, 90)
    to_lon = (centre[1] + rng.uniform(-0.3, 0.3, m) + 540.0) % 360.0 - 180.0
    kept = near_any(lat, lon, to_lat, to_lon, limit)
    d = haversine_m_array(lat[:, None], lon[:, None], to_lat[None, :], to_lon[None, :])
    within = (np.rint(d) <= limit).any(axis=1) if m else np.zeros(n, np.bool_)
    # The chord takes a millimetre to spare past the last whole metre, nothing more.
    slack = (d <= limit + 0.502).any(axis=1) if m else np.zeros(n, np.bool_)
    assert (kept >= within).all() and (kept <= slack).all()
    # Every point kept lies in the box SQL or a mask tests first.
    assert reach_box(to_lat, to_lon, limit).contains(lat[kept], lon[kept]).all()


def test_near_any_counts_whole_metres_at_the_limit() -> None:
    start = (47.2, 179.99)  # the pair straddles 180 degrees too
    for metres, kept in ((30_000.4, True), (30_000.6, False), (29_000.0, True)):
        lat, lon = _destination(*start, 1.3, metres)
        got = near_any(
            np.array([lat]), np.array([lon]), np.array([start[0]]), np.array([start[1]]), 30_000.0
        )
        assert bool(got[0]) is kept, metres
    assert not near_any(np.array([0.0]), np.array([0.0]), np.array([]), np.array([]), 1.0).any()


@pytest.mark.parametrize("limit", [0.0, 300.0, 5_000.0, 30_000.0, 400_000.0])
def test_near_any_gives_what_one_nearest_search_over_every_target_gives(limit: float) -> None:
    # Towns of points and fewer targets, so that many points share a cube with a target,
    # some only have one a few cubes away and some have none in range.
    rng = np.random.default_rng(int(limit) + 3)
    towns = rng.uniform((25.0, 104.0), (26.5, 106.0), (40, 2))
    spread = max(limit, 500.0) / 111_000.0

    def around(n: int, share: float) -> tuple[np.ndarray, np.ndarray]:
        at = towns[rng.integers(0, int(len(towns) * share), n)]
        step = rng.normal(0.0, spread, (n, 2))
        return at[:, 0] + step[:, 0], at[:, 1] + step[:, 1]

    to_lat, to_lon = around(400, 0.6)
    lat, lon = around(6_000, 1.0)
    lat, lon = np.r_[lat, to_lat[:50]], np.r_[lon, to_lon[:50]]  # some on a target itself
    gap, _ = cKDTree(to_unit_xyz(to_lat, to_lon)).query(
        to_unit_xyz(lat, lon), k=1, distance_upper_bound=chord_within(limit)
    )
    kept = near_any(lat, lon, to_lat, to_lon, limit)
    assert 0 < kept.sum() < len(kept)
    assert (kept == np.isfinite(gap)).all()
