"""Great-circle geometry shared by the engine, the demo generator and validation."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

FloatArray = npt.NDArray[np.float64]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_m_array(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Vectorised :func:`haversine_m` (inputs broadcast)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    out: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return out


def to_unit_xyz(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Points on the unit sphere, shape ``(n, 3)``, for Euclidean spatial indexes.

    The chord length ``c`` between two unit vectors maps monotonically to the great-circle
    distance ``2 R asin(c / 2)``, so a k-d tree on these points answers radius queries exactly.
    """
    la, lo = np.radians(lat), np.radians(lon)
    cl = np.cos(la)
    return np.column_stack((cl * np.cos(lo), cl * np.sin(lo), np.sin(la)))


def chord_for_metres(metres: float) -> float:
    """Unit-sphere chord length equivalent to a great-circle distance in metres."""
    return 2.0 * math.sin(min(math.pi, metres / EARTH_RADIUS_M) / 2.0)


def chords_within(limit_m: FloatArray) -> FloatArray:
    """Chords that take in every pair whose distance in *whole* metres is within each limit:
    pairs are compared by ``rint(metres)``, so a pair 30,000.4 m apart is within 30 km, and a
    k-d tree query up to ``chord_for_metres(limit)`` would miss it (1 mm to spare; what else
    it takes in is dropped by the exact test that follows)."""
    metres = np.floor(np.asarray(limit_m, dtype=np.float64)) + 0.501
    return np.asarray(2.0 * np.sin(np.minimum(np.pi, metres / EARTH_RADIUS_M) / 2.0))


def chord_within(limit_m: float) -> float:
    """:func:`chords_within` for one limit."""
    return float(chords_within(np.array([limit_m]))[0])
