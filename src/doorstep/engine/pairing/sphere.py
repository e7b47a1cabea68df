"""Great-circle metres in compiled code, by the formula of ``domain.geo.haversine_m_array``.

Every search and every arc list rounds the same formula to whole metres, so that what one
stage finds in range another agrees with.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from doorstep.domain.geo import EARTH_RADIUS_M

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True)
def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:  # pragma: no cover
    """Great-circle metres, by the formula of ``domain.geo.haversine_m_array`` so that every
    compiled search agrees with numpy on what is in range."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@numba.njit(parallel=True, cache=True)
def whole_metres(
    hlat: FloatArray,
    hlon: FloatArray,
    vlat: FloatArray,
    vlon: FloatArray,
    households: IntArray,
    visitors: IntArray,
) -> IntArray:  # pragma: no cover - compiled
    """``rint`` of the metres between ``households[i]`` and ``visitors[i]``, on both cores
    and without numpy's temporaries (tens of millions of arcs a round at the seed scale)."""
    out = np.empty(len(households), np.int64)
    for i in numba.prange(len(households)):
        h, v = households[i], visitors[i]
        out[i] = np.int64(np.rint(haversine(hlat[h], hlon[h], vlat[v], vlon[v])))
    return out
