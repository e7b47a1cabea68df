"""Push-relabel for the most households paired, on the eligibility graph that is never built.

Shortest augmenting paths need a whole-graph search per round, and late rounds find only a few
paths each: the households left over queue behind narrow corridors between crowded towns. Push-
relabel moves them one step at a time instead. Every node carries a label, a lower bound of its
residual distance to a visitor with room (:mod:`.reach` computes the exact distances, the
*global relabel*). An unpaired household takes the eligible visitor with the lowest label;
if that visitor is full it gives up the household of its own with the lowest label, which
becomes unpaired in turn. Labels only rise, so a household whose label reaches "no path" can be
dropped for good, and the pairing is maximum once no unpaired household is left with a path.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np

from doorstep.engine.pairing.graph import EligibilityGraph, Slots, language_bits
from doorstep.engine.pairing.problem import FloatArray, IntArray
from doorstep.engine.pairing.reach import RoomDistances
from doorstep.engine.pairing.scan import (
    area_and_exclusion_allow,
    beyond_chord2,
    box_metres,
    cell_window,
    chord2,
    ring_cell,
)
from doorstep.engine.pairing.sphere import haversine

NO_PATH = 2**40
# Visitors of the lowest label looked at for the nearest: with 8 the maximum pairing at 200k is
# 1.11e9 m (the first found, row by row: 1.56e9; 1 instead of 8, in an earlier version of this
# search: 1.17e9).
TIES = 8


@numba.njit(cache=True)
def _settle(
    active: IntArray,
    budget: int,
    d_h: IntArray,
    d_v: IntArray,
    match: IntArray,
    load: IntArray,
    capacity: IntArray,
    slot_start: IntArray,
    slot_h: IntArray,
    hmask: IntArray,
    hxyz: FloatArray,
    hlat: FloatArray,
    hlon: FloatArray,
    harea: IntArray,
    fstart: IntArray,
    fvis: IntArray,
    gvis: IntArray,
    glabel: IntArray,
    gstart: IntArray,
    slot: IntArray,
    occupied: int,
    n_languages: int,
    box_lo: FloatArray,
    box_hi: FloatArray,
    lat0: float,
    lon0: float,
    dlat: float,
    dlon: float,
    ny: int,
    nx: int,
    vlat: FloatArray,
    vlon: FloatArray,
    vxyz: FloatArray,
    varea: IntArray,
    area_enter: IntArray,
    area_leave: IntArray,
    excl: IntArray,
    max_m: float,
) -> tuple[int, int]:  # pragma: no cover - compiled
    # Works through the unpaired households in ``active`` (first in, first out) until none
    # is left with a path or ``budget`` steps were taken. Returns the steps taken and the
    # households added.
    nh = len(match)
    nv = len(d_v)
    ring = np.empty(nh + 1, np.int64)
    queued = np.zeros(nh, np.bool_)
    head, tail = 0, 0
    for h in active:
        if match[h] < 0 and d_h[h] < NO_PATH and not queued[h]:
            ring[tail] = h
            tail += 1
            queued[h] = True
    size = nh + 1
    steps = added = 0
    far2 = beyond_chord2(max_m)
    while head != tail and steps < budget:
        h = ring[head]
        head = (head + 1) % size
        queued[h] = False
        if match[h] >= 0:
            continue
        steps += 1
        # The eligible visitor with the lowest label, the nearest of those (the pairing seeds
        # the least-cost stage, which starts better from short pairs); no visitor can be
        # below d_h - 1.
        floor = d_h[h] - 1
        best, best_v, best_d = NO_PATH, -1, np.inf
        ties = 0
        done = False
        for i in range(fstart[h], fstart[h + 1]):
            v = fvis[i]
            if d_v[v] < best:
                best, best_v = d_v[v], v
        if best > floor:
            x, y, z = hxyz[h, 0], hxyz[h, 1], hxyz[h, 2]
            y0, y1, x0, x1, hy, hx, rings = cell_window(
                hlat[h], hlon[h], max_m, lat0, lon0, dlat, dlon, ny, nx
            )
            bits, nb = language_bits(hmask[h], n_languages)
            # Ring by ring from the household's cell, so that a near visitor is found early
            # and bounds the rest.
            for r in range(rings + 1):
                for k in range(8 * r if r > 0 else 1):
                    cy, cx = ring_cell(hy, hx, r, k)
                    if cy < y0 or cy > y1 or cx < x0 or cx > x1:
                        continue
                    c = cy * nx + cx
                    if slot[c] < 0:  # no visitor there
                        continue
                    lower = -1.0
                    for b_i in range(nb):
                        key = bits[b_i] * occupied + slot[c]
                        # Visitors come by the label they had at the last global relabel, a
                        # lower bound of the label they have now.
                        # Above the floor only a lower label counts; at the floor, a nearer one.
                        wanted = best if best <= floor else best - 1
                        if gstart[key] == gstart[key + 1] or glabel[gstart[key]] > wanted:
                            continue
                        if lower < 0.0:
                            lower = box_metres(box_lo, box_hi, c, x, y, z)
                        if lower > max_m + 1.0 or (best <= floor and lower >= best_d):
                            break
                        for j in range(gstart[key], gstart[key + 1]):
                            if glabel[j] > wanted:
                                break
                            v = gvis[j]
                            if d_v[v] > wanted:
                                continue
                            if chord2(vxyz, v, x, y, z) > far2:  # surely out of range
                                continue
                            d = haversine(hlat[h], hlon[h], vlat[v], vlon[v])
                            if np.rint(d) > max_m:
                                continue
                            nearer = d_v[v] < best or d < best_d
                            if nearer and not area_and_exclusion_allow(
                                h, v, harea, varea, area_enter, area_leave, excl, nv
                            ):
                                continue
                            if nearer:
                                best, best_v, best_d = d_v[v], v, d
                                wanted = best if best <= floor else best - 1
                            # Once at the floor, only a few more are looked at.
                            if best <= floor:
                                ties += 1
                                if ties >= TIES:
                                    done = True
                                    break
                        if done:
                            break
                    if done:
                        break
                if done:
                    break
        if best >= NO_PATH:
            d_h[h] = NO_PATH
            continue
        d_h[h] = best + 1
        v = best_v
        if load[v] < capacity[v]:
            for q in range(slot_start[v], slot_start[v] + capacity[v]):
                if slot_h[q] < 0:
                    slot_h[q] = h
                    break
            load[v] += 1
            match[h] = v
            added += 1
        else:
            # Give up the household with the lowest label (the push is admissible: a full
            # visitor's label is one above its lowest household's).
            low_q, low = -1, NO_PATH + 1
            for q in range(slot_start[v], slot_start[v] + capacity[v]):
                if d_h[slot_h[q]] < low:
                    low, low_q = d_h[slot_h[q]], q
            out = slot_h[low_q]
            slot_h[low_q] = h
            match[h] = v
            match[out] = -1
            if not queued[out]:
                ring[tail] = out
                tail = (tail + 1) % size
                queued[out] = True
        if load[v] >= capacity[v]:
            low = NO_PATH
            for q in range(slot_start[v], slot_start[v] + capacity[v]):
                low = min(low, d_h[slot_h[q]])
            d_v[v] = min(low + 1, NO_PATH)
    return steps, added


def settle(
    graph: EligibilityGraph, pairing: Slots, on_added: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Pair as many households as possible, changing ``pairing`` in place.

    Alternates global relabels (exact distances, which also drop the households that can no
    longer be paired) with push-relabel work on the households still unpaired with a path,
    about two steps per such household between relabels (measured: more lets households that
    queue behind a full corridor bounce off it for long before a relabel shows it full).
    ``on_added`` hears how many households each stretch between relabels added. Returns the
    number of global relabels and of steps.
    """
    p, grid, lang = graph.problem, graph.grid, graph.lang
    relabel = RoomDistances(graph)
    keys = lang.keys()
    relabels = steps = 0
    while True:
        relabels += 1
        dist_h, dist_v = relabel(graph.capacity, pairing.load, pairing.match)
        d_h = np.where(dist_h < 0, NO_PATH, dist_h)
        d_v = np.where(dist_v < 0, NO_PATH, dist_v)
        active = np.flatnonzero(graph.wanted & (pairing.match < 0) & (d_h < NO_PATH))
        if len(active) == 0:
            return relabels, steps
        # Each cell's visitors by label, so a scan stops at the first that cannot be lowest.
        order = np.lexsort((d_v[lang.items], keys))
        gvis = lang.items[order]
        taken, added = _settle(
            active,
            2 * len(active) + 1000,
            d_h,
            d_v,
            pairing.match,
            pairing.load,
            graph.capacity,
            pairing.start,
            pairing.household,
            graph.hmask,
            graph.index.household_xyz,
            p.household_lat,
            p.household_lon,
            graph.harea,
            graph.fstart,
            graph.fvis,
            gvis,
            d_v[gvis],
            lang.start,
            lang.slot,
            lang.occupied,
            graph.n_languages,
            grid.box_lo,
            grid.box_hi,
            grid.lat0,
            grid.lon0,
            grid.dlat,
            grid.dlon,
            grid.ny,
            grid.nx,
            p.visitor_lat,
            p.visitor_lon,
            graph.index.visitor_xyz,
            graph.varea,
            graph.area_enter,
            graph.area_leave,
            p.exclusion_keys,
            graph.max_m,
        )
        steps += taken
        if on_added is not None:
            on_added(int(added))
