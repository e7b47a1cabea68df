"""Which points lie within a distance of some others: a cheap box first, then exact chords.

Both a database-mode proposal (the visitors an area's households could be paired with) and
the engine's incremental pairing (the visitors new households could take) need every point
within the limit of *some* point of a set. The box is a superset that SQL or a numpy mask can
test on plain latitude and longitude; :func:`near_any` then decides exactly, in the engine's
whole metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from doorstep.domain.geo import EARTH_RADIUS_M, FloatArray, chord_within, to_unit_xyz

BoolArray = npt.NDArray[np.bool_]
Band = tuple[float, float]

NO_BAND: Band = (1.0, 0.0)  # west above east: takes in nothing
_ALL_LON: tuple[Band, Band] = ((-180.0, 180.0), NO_BAND)
# Cubes whose neighbours (7 x 7 x 7 each) near_any lists to keep its k-d tree small.
_AROUND_AT_MOST = 20_000


@dataclass(frozen=True)
class Box:
    """A latitude band and up to two longitude bands (two where it crosses 180 degrees)."""

    lat_lo: float
    lat_hi: float
    lon: tuple[Band, Band]

    def contains(self, lat: FloatArray, lon: FloatArray) -> BoolArray:
        """Which points ``(lat, lon)`` lie in the box (edges included, as SQL's BETWEEN)."""
        (w1, e1), (w2, e2) = self.lon
        in_lon = ((lon >= w1) & (lon <= e1)) | ((lon >= w2) & (lon <= e2))
        return np.asarray((lat >= self.lat_lo) & (lat <= self.lat_hi) & in_lon, np.bool_)


def bounding_box(lat: FloatArray, lon: FloatArray, metres: float) -> Box:
    """A box holding every point within ``metres`` (great circle) of some point ``(lat, lon)``.

    The latitude band widens by the angle ``metres`` spans; the longitude band by the most
    longitude that angle spans at the box's highest latitude. A box reaching a pole takes in
    every longitude; one crossing 180 degrees is split in two bands. No points: an empty box.
    """
    if len(lat) == 0:
        return Box(1.0, 0.0, (NO_BAND, NO_BAND))
    angle = min(math.pi, metres / EARTH_RADIUS_M)
    d = math.degrees(angle)
    lo, hi = float(lat.min()) - d, float(lat.max()) + d
    if lo <= -90.0 or hi >= 90.0:
        return Box(max(lo, -90.0), min(hi, 90.0), _ALL_LON)
    ratio = math.sin(angle) / math.cos(math.radians(max(-lo, hi)))
    if ratio >= 1.0:
        return Box(lo, hi, _ALL_LON)
    spread = math.degrees(math.asin(ratio))
    west, east = float(lon.min()) - spread, float(lon.max()) + spread
    if east - west >= 360.0:
        return Box(lo, hi, _ALL_LON)
    if west < -180.0:
        return Box(lo, hi, ((west + 360.0, 180.0), (-180.0, east)))
    if east > 180.0:
        return Box(lo, hi, ((west, 180.0), (-180.0, east - 360.0)))
    return Box(lo, hi, ((west, east), NO_BAND))


def reach_box(lat: FloatArray, lon: FloatArray, max_m: float) -> Box:
    """:func:`bounding_box` one metre wider than ``max_m``: it holds every point that
    :func:`near_any` can keep, since pairs are compared in whole metres (rounded)."""
    return bounding_box(lat, lon, max_m + 1.0)


def near_any(
    lat: FloatArray, lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray, max_m: float
) -> BoolArray:
    """Which points ``(lat, lon)`` have one of ``(to_lat, to_lon)`` within ``max_m``.

    Tested by chord on the unit sphere (``chord_within``, which allows for rounding to whole
    metres, so no pair the engine finds in range is missed; one at most a metre beyond may be
    kept). A point sharing a cube of half that chord with a target is in range (the cube's
    diagonal is shorter): at region scale that settles nearly every point in one pass over
    sorted keys. Each other point asks a k-d tree of the targets near its cube for its
    nearest: thousands of points per target in a town, so listing each target's points
    would be the slow way round.
    """
    if len(lat) == 0 or len(to_lat) == 0:
        return np.zeros(len(lat), np.bool_)
    bound = chord_within(max_m)
    xyz, to_xyz = to_unit_xyz(lat, lon), to_unit_xyz(to_lat, to_lon)
    cubes = _Cubes.of(bound / 2.0)
    if cubes is None:
        near = np.zeros(len(lat), np.bool_)
        rest, targets = np.arange(len(lat)), to_xyz
    else:
        keys, to_keys = cubes.keys(xyz), cubes.keys(to_xyz)
        near = np.isin(keys, to_keys)
        rest = np.flatnonzero(~near)
        targets = to_xyz
        lone = np.unique(keys[rest])
        if len(lone) <= _AROUND_AT_MOST:
            # A target in range of a point lies within two cubes of it along each axis
            # (three allows for rounding at a cube's edge).
            targets = to_xyz[np.isin(to_keys, cubes.around(lone, 3))]
    if len(rest) and len(targets):
        # Imported here: the storage layer imports this module for Box, and scipy takes a
        # third of a second to load that a command listing visits should not wait for.
        from scipy.spatial import cKDTree

        gap, _ = cKDTree(targets).query(xyz[rest], k=1, distance_upper_bound=bound, workers=-1)
        near[rest] = np.isfinite(gap)
    return near


@dataclass(frozen=True)
class _Cubes:
    """Cubes of side ``side`` over the unit sphere's bounding cube, keyed by one integer."""

    side: float
    across: int  # cubes along each axis, with a few to spare on either side

    @classmethod
    def of(cls, side: float) -> _Cubes | None:
        """``None`` when the cubes are too small for their keys to fit in 64 bits."""
        across = math.ceil(2.0 / side) + 10
        return cls(side, across) if across**3 < 2**62 else None

    def keys(self, xyz: FloatArray) -> npt.NDArray[np.int64]:
        cell = np.floor(xyz / self.side).astype(np.int64) + self.across // 2
        n = self.across
        return np.asarray((cell[:, 0] * n + cell[:, 1]) * n + cell[:, 2], np.int64)

    def around(self, keys: npt.NDArray[np.int64], reach: int) -> npt.NDArray[np.int64]:
        """Every key within ``reach`` cubes of one of ``keys`` along each axis."""
        n = self.across
        step = np.arange(-reach, reach + 1)
        offsets = (step[:, None, None] * n + step[None, :, None]) * n + step[None, None, :]
        return np.unique((keys[:, None] + offsets.ravel()[None, :]).ravel())
