"""A grid scan that finds, for many households at once, the visitors that break a bound.

Used by the least-cost certificate (``d(h, v) + pi(v) < pi(h)``). Visitors sit in a
latitude/longitude grid; each cell keeps the 3-D bounding box of its visitors on the unit sphere
and the least potential among them. A cell is opened only when the chord to its box (a lower
bound of the great-circle distance) leaves room for a violation, so a household whose potential
is in line with its neighbourhood opens none.
Every visitor within the distance limit is considered, so nothing depends on how the candidate
arcs were pruned.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.engine.pairing.problem import (
    NONE,
    BoolArray,
    FloatArray,
    IntArray,
    PairingProblem,
)
from doorstep.engine.pairing.sphere import haversine

#: A score slot not filled yet.
_FREE = np.iinfo(np.int64).max
_EXACT = 2**49  # potentials below this are within 1/1000 m in float64
_BLOCK = 8  # cells a side of the blocks whose least bound a scan reads first
#: Cells per distance limit of the grid scanned where every household is paired: most
#: visitors there have room and cost nothing extra, so a scan cannot stop early inside a
#: crowded cell of the solve's grid (a sixth of the limit), and finer cells let it stop a ring
#: or two out (the certificate's scan of that side at the seed scale: 17.1 s -> 6.7 s; 24.0 s
#: -> 3.2 s in a seed-scale incremental neighbourhood; where households outnumber places the
#: solve's grid stays faster).
PAIRED_SIDE_CELLS = 24
#: A grid has at most this many cells per visitor in it (and at most :data:`MIN_CELLS` when that
#: is more): cells of a share of the distance limit alone grow with the area covered, not the
#: input (30 households and 16 visitors over 3 degrees at max_km 0.2 made 4.2M cells, and the
#: language grid eight times that: 1.9 GiB and seconds of work per search). Every search
#: works out its window from the distance limit and the cell size, so larger cells only hold
#: more visitors each. A region sample of 20k households at 30 km has 12 cells per visitor in
#: its finest grid, so the cap leaves such instances as they were.
CELLS_PER_VISITOR = 16
#: The fewest cells the cap above allows (64 by 64): a few visitors need no coarser cells.
MIN_CELLS = 4096
#: A search window that reaches this latitude (north or south) may hold a pole: it takes in
#: every longitude.
ALL_LONGITUDES_LAT = 89.9


class VisitorGrid(NamedTuple):
    """Active local visitors bucketed into grid cells (CSR by cell); a named tuple, which
    numba passes as one argument."""

    visitors: IntArray  # visitor indices, sorted by cell
    start: IntArray  # cell c holds visitors[start[c]:start[c + 1]]
    box_lo: FloatArray  # (cells, 3)
    box_hi: FloatArray
    lat0: float
    lon0: float
    dlat: float
    dlon: float
    ny: int
    nx: int


def build_grid(
    problem: PairingProblem,
    xyz: FloatArray,
    max_m: float,
    among: BoolArray | None = None,
    per_limit: int = 6,
) -> VisitorGrid:
    """Grid cells of about ``1 / per_limit`` of the distance limit (at most 2048 per side,
    and coarser where that would make more than :data:`CELLS_PER_VISITOR` per visitor) over
    the active local visitors (only those of ``among`` when given)."""
    p = problem
    ok = p.visitor_active & (p.visitor_pool == NONE) & (p.visitor_capacity > 0)
    vs = np.flatnonzero(ok if among is None else ok & among)
    lat, lon = p.visitor_lat[vs], p.visitor_lon[vs]
    lat0 = float(lat.min()) if len(vs) else 0.0
    lon0 = float(lon.min()) if len(vs) else 0.0
    span_lat = float(lat.max()) - lat0 if len(vs) else 0.0
    span_lon = float(lon.max()) - lon0 if len(vs) else 0.0
    step = math.degrees(max_m / per_limit / EARTH_RADIUS_M)
    dlat = max(step, span_lat / 2048, 1e-9)
    mid = math.radians(lat0 + span_lat / 2)
    dlon = max(step / max(math.cos(mid), 0.05), span_lon / 2048, 1e-9)
    ny = int(span_lat / dlat) + 1
    nx = int(span_lon / dlon) + 1
    most = max(CELLS_PER_VISITOR * len(vs), MIN_CELLS)
    grow = math.sqrt(ny * nx / most)
    while ny * nx > most:  # the same shape of cell, larger: once, or a step or two more
        dlat, dlon = dlat * grow, dlon * grow
        ny = int(span_lat / dlat) + 1
        nx = int(span_lon / dlon) + 1
        grow = 1.05
    cell = ((lat - lat0) / dlat).astype(np.int64) * nx + ((lon - lon0) / dlon).astype(np.int64)
    order = np.argsort(cell, kind="stable")
    start = np.zeros(ny * nx + 1, np.int64)
    np.cumsum(np.bincount(cell, minlength=ny * nx), out=start[1:])
    box_lo = np.full((ny * nx, 3), np.inf)
    box_hi = np.full((ny * nx, 3), -np.inf)
    pts = xyz[vs]
    for axis in range(3):
        np.minimum.at(box_lo[:, axis], cell, pts[:, axis])
        np.maximum.at(box_hi[:, axis], cell, pts[:, axis])
    return VisitorGrid(vs[order], start, box_lo, box_hi, lat0, lon0, dlat, dlon, ny, nx)


def cell_minimum(grid: VisitorGrid, values: IntArray) -> IntArray:
    """Least ``values[v]`` over the visitors of each cell (a huge number when empty)."""
    n = len(grid.start) - 1
    counts = np.diff(grid.start)
    out = np.full(n, np.iinfo(np.int64).max // 4, np.int64)
    nonempty = counts > 0
    if len(grid.visitors):
        mins = np.minimum.reduceat(values[grid.visitors], grid.start[:-1][nonempty])
        out[nonempty] = mins
    return out


@numba.njit(cache=True)
def cell_window(
    lat: float,
    lon: float,
    max_m: float,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
) -> tuple[int, int, int, int, int, int, int]:  # pragma: no cover - compiled
    """The grid cells within ``max_m`` of a point: rows ``y0..y1``, columns ``x0..x1``, the
    point's own cell ``(hy, hx)`` and how many rings of cells around it cover the window
    (a metre more than ``max_m``: pairs are compared in whole metres, rounded)."""
    reach_deg = math.degrees((max_m + 1.0) / EARTH_RADIUS_M)
    far_lat = abs(lat) + reach_deg
    y0 = max(math.floor((lat - reach_deg - lat0) / dlat), 0)
    y1 = min(math.floor((lat + reach_deg - lat0) / dlat), ny - 1)
    if far_lat >= ALL_LONGITUDES_LAT:  # the window may hold a pole, and any longitude
        x0, x1 = 0, nx - 1
    else:
        lon_reach = reach_deg / math.cos(math.radians(far_lat))
        x0 = max(math.floor((lon - lon_reach - lon0) / dlon), 0)
        x1 = min(math.floor((lon + lon_reach - lon0) / dlon), nx - 1)
    hy = min(max(int(math.floor((lat - lat0) / dlat)), y0), y1)  # noqa: RUF046
    hx = min(max(int(math.floor((lon - lon0) / dlon)), x0), x1)  # noqa: RUF046
    rings = max(hy - y0, y1 - hy, hx - x0, x1 - hx)
    return y0, y1, x0, x1, hy, hx, rings


@numba.njit(cache=True)
def grid_window(
    grid: VisitorGrid, lat: float, lon: float, reach: float
) -> tuple[int, int, int, int]:  # pragma: no cover - compiled
    """Rows ``y0..y1`` and columns ``x0..x1`` of ``grid``'s cells within ``reach`` metres
    (plus one of slack) of a point."""
    y0, y1, x0, x1, _, _, _ = cell_window(
        lat, lon, reach + 1.0, grid.lat0, grid.lon0, grid.dlat, grid.dlon, grid.ny, grid.nx
    )
    return y0, y1, x0, x1


@numba.njit(cache=True)
def beyond_chord2(max_m: float) -> float:  # pragma: no cover - compiled
    """The squared unit-sphere chord past which two points are surely more than ``max_m``
    apart, rounding included (2 m to spare): a few multiplications rule out most of a grid
    window's far side before :func:`haversine`, which costs several sines."""
    chord = 2.0 * math.sin(min(math.pi, (max_m + 2.0) / EARTH_RADIUS_M) / 2.0)
    return chord * chord


@numba.njit(cache=True, inline="always")
def chord2(xyz: FloatArray, i: int, x: float, y: float, z: float) -> float:  # pragma: no cover
    """Squared unit-sphere chord from point ``i`` of ``xyz`` to ``(x, y, z)``."""
    dx = xyz[i, 0] - x
    dy = xyz[i, 1] - y
    dz = xyz[i, 2] - z
    return float(dx * dx + dy * dy + dz * dz)


@numba.njit(cache=True, inline="always")
def ring_cell(hy: int, hx: int, r: int, k: int) -> tuple[int, int]:  # pragma: no cover
    """Cell ``k`` (of ``8 r``, or 1 for ``r = 0``) of the ring of cells ``r`` steps around
    cell ``(hy, hx)``: the top row, the bottom row, then the sides' inner cells."""
    if r == 0:
        return hy, hx
    if k < 2 * r + 1:
        return hy - r, hx - r + k
    if k < 4 * r + 2:
        return hy + r, hx - r + k - (2 * r + 1)
    side = k - (4 * r + 2)  # 0 .. 4r - 3: the columns' inner cells
    return hy - r + 1 + side // 2, (hx - r if side % 2 == 0 else hx + r)


@numba.njit(cache=True)
def ring_metres(
    r: int, dlat: float, dlon: float, cos_h: float, cos_far: float
) -> float:  # pragma: no cover - compiled
    """A lower bound of the metres from a point to anything in a cell ``r`` rings around its
    own: ``r - 1`` whole rows or columns lie between. Across rows, latitudes differ by that
    much; across columns, the chord is at least ``2 sqrt(cos(lat1) cos(lat2)) sin(dlon / 2)``
    (``cos_h``: the point's; ``cos_far``: the least over the window, 0 to not use it)."""
    if r < 2:
        return 0.0
    rows_m = EARTH_RADIUS_M * math.radians((r - 1) * dlat)
    gap = math.radians((r - 1) * dlon)
    cols_m = 0.0
    if gap < math.pi and cos_far > 0.0:
        half = math.sqrt(cos_h * cos_far) * math.sin(gap / 2.0)
        cols_m = 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, half))
    return max(min(rows_m, cols_m) - 1.0, 0.0)  # a metre for float error


@numba.njit(cache=True)
def box_metres(
    box_lo: FloatArray, box_hi: FloatArray, c: int, x: float, y: float, z: float
) -> float:  # pragma: no cover - compiled
    """Chord from a unit-sphere point to cell ``c``'s box, in metres: a lower bound of the
    great-circle distance to any visitor in the cell."""
    ex = max(box_lo[c, 0] - x, 0.0, x - box_hi[c, 0])
    ey = max(box_lo[c, 1] - y, 0.0, y - box_hi[c, 1])
    ez = max(box_lo[c, 2] - z, 0.0, z - box_hi[c, 2])
    return float(EARTH_RADIUS_M * math.sqrt(ex * ex + ey * ey + ez * ez))


@numba.njit(cache=True)
def area_and_exclusion_allow(
    h: int,
    v: int,
    harea: IntArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    n_visitors: int,
) -> bool:  # pragma: no cover - compiled
    """Whether ``v``'s service area (if any) holds ``h`` and the pair is not excluded: the
    rules of ``PairingProblem.eligible`` that the compiled searches check per pair."""
    va = varea[v]
    if va >= 0:
        ha = harea[h]
        if ha < 0 or not (area_enter[va] <= area_enter[ha] < area_leave[va]):
            return False
    if len(excl) > 0:
        key = h * n_visitors + v
        k = np.searchsorted(excl, key)
        if k < len(excl) and excl[k] == key:
            return False
    return True


@numba.njit(parallel=True, cache=True)
def _scan(
    hs: IntArray,
    hxyz: FloatArray,
    hlat: FloatArray,
    hlon: FloatArray,
    hmask: IntArray,
    hpot: IntArray,
    harea: IntArray,
    visitors: IntArray,
    start: IntArray,
    box_lo: FloatArray,
    box_hi: FloatArray,
    cell_bound: IntArray,
    block_bound: IntArray,
    vxyz: FloatArray,
    vlat: FloatArray,
    vlon: FloatArray,
    vmask: IntArray,
    vpot: IntArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    n_visitors: int,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
    max_m: float,
    slots: int,
) -> tuple[IntArray, IntArray]:  # pragma: no cover - compiled
    radius = EARTH_RADIUS_M
    far2 = beyond_chord2(max_m)
    out_v = np.full((len(hs), slots), -1, np.int64)
    out_s = np.full((len(hs), slots), _FREE, np.int64)
    for i in numba.prange(len(hs)):
        h = hs[i]
        x, y, z = hxyz[h, 0], hxyz[h, 1], hxyz[h, 2]
        ph = hpot[h]
        y0, y1, x0, x1, hy, hx, rings = cell_window(
            hlat[h], hlon[h], max_m, lat0, lon0, dlat, dlon, ny, nx
        )
        if y1 < y0 or x1 < x0:
            continue
        # The least cell bound in the window (from blocks of cells), so that the walk out
        # from the household's cell can stop once no farther ring could hold a better score.
        least = _FREE
        for by in range(y0 // _BLOCK, y1 // _BLOCK + 1):
            for bx in range(x0 // _BLOCK, x1 // _BLOCK + 1):
                least = min(least, block_bound[by, bx])
        if least >= ph:
            continue
        cos_h = math.cos(math.radians(hlat[h]))
        far_lat = min(max(abs(lat0 + y0 * dlat), abs(lat0 + (y1 + 1) * dlat)), 90.0)
        # The bound across columns needs every column within 180 degrees of the household.
        cos_far = math.cos(math.radians(far_lat)) if (x1 - x0 + 1) * dlon <= 180.0 else 0.0
        cells = np.empty(8 * rings + 1, np.int64)
        lows = np.empty(len(cells), np.float64)
        bounds = np.empty(len(cells), np.float64)
        for r in range(rings + 1):
            near = ring_metres(r, dlat, dlon, cos_h, cos_far)
            if near > max_m + 1.0 or near + least >= ph + 1.0:
                break
            if near - 1.5 + least - ph >= out_s[i, slots - 1]:
                break
            # The ring's cells that could hold a violation, with a lower bound of their best
            # score.
            n = 0
            for k in range(8 * r if r > 0 else 1):
                cy, cx = ring_cell(hy, hx, r, k)
                if cy < y0 or cy > y1 or cx < x0 or cx > x1:
                    continue
                c = cy * nx + cx
                if start[c] == start[c + 1] or cell_bound[c] >= ph:
                    continue
                lower = box_metres(box_lo, box_hi, c, x, y, z)
                if lower > max_m + 1.0 or lower + cell_bound[c] >= ph + 1.0:
                    continue
                cells[n] = c
                lows[n] = lower
                # ``round(d) - 1 >= d - 1.5 >= lower - 1.5``: no score in the cell is below.
                bounds[n] = lower - 1.5 + cell_bound[c] - ph
                n += 1
            # Best-first within the ring: the slots keep the *most* violated arcs (fewer
            # widening rounds than the nearest violations), and once they are full a cell
            # whose bound cannot beat the worst kept score ends the ring.
            order = np.argsort(bounds[:n])
            for k0 in range(n):
                q = order[k0]
                if bounds[q] >= out_s[i, slots - 1]:
                    break
                c = cells[q]
                lower = lows[q]
                # Within a cell, visitors come by rising potential, so the loop stops at the first
                # that cannot count.
                for j in range(start[c], start[c + 1]):
                    v = visitors[j]
                    if (
                        lower + vpot[v] >= ph + 1.0
                        or lower - 1.5 + vpot[v] - ph >= out_s[i, slots - 1]
                    ):
                        break
                    if (hmask[h] & vmask[v]) == 0:
                        continue
                    dx = x - vxyz[v, 0]
                    dy = y - vxyz[v, 1]
                    dz = z - vxyz[v, 2]
                    c2 = dx * dx + dy * dy + dz * dz
                    if c2 > far2:
                        continue  # out of range, known without the arcsine
                    worst = out_s[i, slots - 1]
                    if worst < _FREE:
                        # The chord is shorter than the arc: when even the chord's metres cannot
                        # beat the worst score kept, neither can the arc.
                        need = float(worst + ph - vpot[v]) + 1.51  # 1 cm for float error
                        if need <= 0.0 or c2 * radius * radius >= need * need:
                            continue
                    chord = math.sqrt(c2)
                    d = 2.0 * radius * math.asin(min(1.0, chord / 2.0))
                    if d > max_m + 1.0:
                        continue
                    if (
                        d > max_m - 1.0
                        and np.rint(haversine(hlat[h], hlon[h], vlat[v], vlon[v])) > max_m
                    ):
                        # Out of range by numpy's whole metres: such an arc must not take a slot
                        # from a violation in range (it would be dropped afterwards).
                        continue
                    # One metre of slack: the exact test is redone in numpy on what is found.
                    score = round(d) - 1 + vpot[v] - ph
                    if score >= 0 or score >= out_s[i, slots - 1]:
                        continue
                    if not area_and_exclusion_allow(
                        h, v, harea, varea, area_enter, area_leave, excl, n_visitors
                    ):
                        continue
                    k = slots - 1
                    while k > 0 and out_s[i, k - 1] > score:
                        out_s[i, k] = out_s[i, k - 1]
                        out_v[i, k] = out_v[i, k - 1]
                        k -= 1
                    out_s[i, k] = score
                    out_v[i, k] = v
    return out_v, out_s


class PricedGrid(NamedTuple):
    """The grid's visitors ordered by potential within each cell, each cell's least, and
    the least of each block of ``_BLOCK`` by ``_BLOCK`` cells."""

    visitors: IntArray
    bound: IntArray
    block_bound: IntArray


def price_grid(grid: VisitorGrid, visitor_pot: IntArray) -> PricedGrid:
    """What a scan needs of the visitors' potentials (a sort of every visitor: worth doing
    once when the same prices are scanned in batches)."""
    cell = np.repeat(np.arange(len(grid.start) - 1), np.diff(grid.start))
    order = np.lexsort((visitor_pot[grid.visitors], cell))
    bound = cell_minimum(grid, visitor_pot)
    by, bx = -(-grid.ny // _BLOCK), -(-grid.nx // _BLOCK)
    padded = np.full((by * _BLOCK, bx * _BLOCK), _FREE, np.int64)
    padded[: grid.ny, : grid.nx] = bound.reshape(grid.ny, grid.nx)
    blocks = padded.reshape(by, _BLOCK, bx, _BLOCK).min(axis=(1, 3))
    return PricedGrid(grid.visitors[order], bound, np.ascontiguousarray(blocks))


def scan(
    problem: PairingProblem,
    grid: VisitorGrid,
    hxyz: FloatArray,
    vxyz: FloatArray,
    households: IntArray,
    *,
    pot: IntArray,
    max_m: float,
    slots: int,
    priced: PricedGrid | None = None,
) -> tuple[IntArray, IntArray]:
    """For each of ``households``, up to ``slots`` visitors that break the bound, best first.

    Returns flat ``(household, visitor)`` arrays (eligibility but distance rounding already
    checked; the caller redoes the exact test). ``priced`` is ``price_grid(grid, pot)``, for
    callers that scan the same prices in several batches.
    """
    p = problem
    nh = p.n_households
    if len(households) == 0 or len(grid.visitors) == 0:
        z = np.zeros(0, np.int64)
        return z, z
    if np.abs(pot[households]).max() >= _EXACT:
        # Scores are compared in floating point with a metre or so of slack.
        raise ValueError("household potentials too large for the scan's float comparisons")
    visitors, bound, blocks = priced or price_grid(grid, pot[nh:])
    out_v, _ = _scan(
        households.astype(np.int64),
        hxyz,
        p.household_lat,
        p.household_lon,
        p.household_languages.view(np.int64),
        pot[:nh],
        p.household_area.astype(np.int64),
        visitors,
        grid.start,
        grid.box_lo,
        grid.box_hi,
        bound,
        blocks,
        vxyz,
        p.visitor_lat,
        p.visitor_lon,
        p.visitor_languages.view(np.int64),
        pot[nh:],
        p.visitor_area.astype(np.int64),
        p.area_enter.astype(np.int64),
        p.area_leave.astype(np.int64),
        p.exclusion_keys,
        p.n_visitors,
        grid.lat0,
        grid.lon0,
        grid.dlat,
        grid.dlon,
        grid.ny,
        grid.nx,
        max_m,
        slots,
    )
    rows, cols = np.nonzero(out_v >= 0)
    return households[rows].astype(np.int64), out_v[rows, cols]
