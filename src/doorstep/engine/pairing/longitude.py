"""Turn a problem about the Earth's axis so that no pair straddles the grid's edge.

The compiled searches bucket homes in a latitude/longitude grid that does not wrap, so a
household at 179.9°E and a visitor at 179.9°W (20 km apart) would sit at opposite ends of it.
Distances depend only on differences of longitude, so every longitude can be turned by the same
angle: the widest stretch of longitude without any home is put at ±180°, and nothing else
changes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from doorstep.engine.pairing.problem import FloatArray, PairingProblem


def widest_gap_middle(longitudes: FloatArray) -> float:
    """The middle of the widest arc of longitude that holds none of ``longitudes``."""
    lon = np.sort(np.mod(np.asarray(longitudes, dtype=np.float64) + 180.0, 360.0) - 180.0)
    if len(lon) == 0:
        return 180.0
    gaps = np.diff(np.r_[lon, lon[0] + 360.0])
    i = int(np.argmax(gaps))
    return float((lon[i] + gaps[i] / 2.0 + 180.0) % 360.0 - 180.0)


def turned(lon: FloatArray, middle: float) -> FloatArray:
    """``lon`` turned so that ``middle`` lands on ±180°."""
    return np.asarray(np.mod(lon - middle, 360.0) - 180.0, dtype=np.float64)


def away_from_antimeridian(problem: PairingProblem) -> PairingProblem:
    """The same problem, turned when its homes straddle ±180° (else ``problem`` itself)."""
    p = problem
    both = np.r_[p.household_lon, p.visitor_lon]
    if len(both):
        lo, hi = float(both.min()), float(both.max())
        if lo >= -180.0 and hi <= 180.0 and hi - lo < 180.0:
            # Within half the globe: the widest empty arc is the one that holds ±180°, as the
            # sort below would find (the slow part at region scale).
            return p
    middle = widest_gap_middle(both)
    if len(both) == 0 or np.isclose(abs(middle), 180.0, atol=1e-9):
        return p
    lo, hi = float(both.min()), float(both.max())
    if not (lo < middle < hi):
        # The widest empty arc already contains ±180°: the homes do not straddle it.
        return p
    return dataclasses.replace(
        p,
        household_lon=turned(p.household_lon, middle),
        visitor_lon=turned(p.visitor_lon, middle),
    )
