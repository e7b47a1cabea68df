"""Turn a problem about the Earth's axis so that no pair straddles the grid's edge.

The compiled searches bucket homes in a latitude/longitude grid that does not wrap, so a
household at 179.9°E and a visitor at 179.9°W (20 km apart) would sit at opposite ends of it.
Distances depend only on differences of longitude, so every longitude can be turned by the same
angle: the widest stretch of longitude without any home is put at ±180°, and nothing else
changes. Where homes ring a pole (not so near it that their searches take in every longitude) there
may be no stretch wide enough: a household and a visitor in reach of each other on either
side of every gap. The searches would not see that pair, so
such a problem is refused (:class:`GridSeamError`) rather than solved wrongly.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy.spatial import cKDTree

from doorstep.domain.geo import EARTH_RADIUS_M, chord_within, to_unit_xyz
from doorstep.engine.pairing.problem import NONE, BoolArray, FloatArray, IntArray, PairingProblem
from doorstep.engine.pairing.scan import ALL_LONGITUDES_LAT
from doorstep.errors import InvalidInput


class GridSeamError(InvalidInput, ValueError):
    """A household and a visitor in reach of each other lie on either side of the grid's edge,
    wherever it is put (homes all around a pole): the searches cannot pair them. A user's
    input error, shown as such by every front door."""


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


def away_from_antimeridian(problem: PairingProblem, max_m: float) -> PairingProblem:
    """The same problem, turned when its homes straddle ±180° (else ``problem`` itself).

    Raises :class:`GridSeamError` when some eligible pair within ``max_m`` still straddles it.
    """
    hs, vs = _grid_homes(problem)  # the same in the turned problem
    out = _turned(problem, hs, vs)
    _check_seam(out, max_m, hs, vs)
    return out


def _grid_homes(p: PairingProblem) -> tuple[IntArray, IntArray]:
    """The households and visitors the grid searches pair: a remote pool's visitors (no
    distance limit) and homes that take no part do not decide where the edge goes."""
    hs = np.flatnonzero(p.household_consent & (p.household_languages != 0))
    vs = np.flatnonzero(p.visitor_active & (p.visitor_pool == NONE) & (p.visitor_capacity > 0))
    return hs, vs


def _turned(problem: PairingProblem, hs: IntArray, vs: IntArray) -> PairingProblem:
    # Turning moves every longitude by a float sum, so a distance within a hair of a half
    # metre may round the other way (a 1 m difference, found by a fuzz at exactly 30,000.5 m):
    # a problem is turned only when the homes the grid holds need it.
    p = problem
    both = np.r_[p.household_lon[hs], p.visitor_lon[vs]]
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


def _check_seam(p: PairingProblem, max_m: float, hs: IntArray, vs: IntArray) -> None:
    # A pair whose short way crosses ±180° has both homes within reach of that meridian (the
    # pole included), so only the few homes near it are compared.
    both = np.r_[p.household_lon[hs], p.visitor_lon[vs]]
    if len(both) == 0 or float(both.max()) - float(both.min()) <= 180.0:
        # No two homes more than 180° of longitude apart: no pair straddles the edge, however
        # far the limit (one of 1e300 km, all homes "near" the edge, would otherwise list
        # every pair of the area here: a county's 260M pairs, tens of GiB).
        return
    reach = (math.floor(max_m) + 1.0) / EARTH_RADIUS_M
    hs = hs[_near_seam(p.household_lat[hs], p.household_lon[hs], reach)]
    vs = vs[_near_seam(p.visitor_lat[vs], p.visitor_lon[vs], reach)]
    if len(hs) == 0 or len(vs) == 0:
        return
    tree = cKDTree(to_unit_xyz(p.visitor_lat[vs], p.visitor_lon[vs]))
    hits = tree.query_ball_point(
        to_unit_xyz(p.household_lat[hs], p.household_lon[hs]), chord_within(max_m)
    )
    counts = np.fromiter((len(x) for x in hits), dtype=np.int64, count=len(hits))
    if counts.sum() == 0:
        return
    h = np.repeat(hs, counts)
    v = vs[np.concatenate([np.asarray(x, dtype=np.int64) for x in hits])]
    # A home whose search window reaches near a pole searches every longitude, whatever its
    # own (:func:`.scan.cell_window`, the one window every grid search uses): no edge hides
    # a pair both of whose windows do.
    reach_deg = math.degrees((max_m + 1.0) / EARTH_RADIUS_M)
    polar = (np.abs(p.household_lat[h]) + reach_deg >= ALL_LONGITUDES_LAT) & (
        np.abs(p.visitor_lat[v]) + reach_deg >= ALL_LONGITUDES_LAT
    )
    across = (np.abs(p.household_lon[h] - p.visitor_lon[v]) > 180.0) & ~polar
    bad = across & p.eligible(h, v)
    bad[bad] = p.metres(h[bad], v[bad]) <= max_m
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise GridSeamError(
            f"household {p.household_ids[h[i]]} and visitor {p.visitor_ids[v[i]]} are "
            f"{int(p.metres(h[i : i + 1], v[i : i + 1])[0])} m apart across the edge of the "
            "search grid, even with that edge in the widest gap of longitude between the homes "
            "(they ring a pole, or the distance limit spans much of the globe); pairing there "
            "is not supported"
        )


def _near_seam(lat: FloatArray, lon: FloatArray, reach: float) -> BoolArray:
    """Homes within ``reach`` radians of the meridian at ±180°, from pole to pole."""
    phi = np.radians(lat)
    off = np.radians(180.0 - np.abs(lon))  # 0 on the meridian, pi on the opposite one
    to_line = np.arcsin(np.clip(np.cos(phi) * np.sin(off), 0.0, 1.0))
    dist = np.where(off <= np.pi / 2, to_line, np.pi / 2 - np.abs(phi))  # else the pole
    return np.asarray(dist <= reach, dtype=np.bool_)
