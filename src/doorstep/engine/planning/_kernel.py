"""The compiled day sweep behind :func:`doorstep.engine.planning.plan.plan`.

Plain loops compiled by numba: at 1.69M pairings a Python loop per visit would take minutes.
Every function here takes arrays only; the meaning of each array is documented on
:class:`doorstep.engine.planning.problem.PlanningProblem` and in ``plan.py``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# Mirrors doorstep.engine.planning.reasons.Code (numba needs plain ints).
C_OK = 0
C_WORKING = 1
C_HOLIDAY = 2
C_LEAVE = 3
C_BLACKOUT = 4
C_WEEKDAY = 5
C_BUSY = 6
C_CAP = 7
C_PLANNER = 10
N_CODES = 11

CAL_HOLIDAY = 2  # calendars.HOLIDAY
BIG = 1 << 30
EARTH_RADIUS_M = 6_371_008.8


@njit(cache=True)
def _far(p, q, p_hh, h_lat, h_lon, p_home, threshold):  # type: ignore[no-untyped-def]
    """Whether two stays (of one visitor) are far enough apart to need travel days."""
    h1 = p_hh[p]
    h2 = p_hh[q]
    if h1 == h2:
        return False
    if not (
        np.isnan(h_lat[h1]) or np.isnan(h_lat[h2]) or np.isnan(h_lon[h1]) or np.isnan(h_lon[h2])
    ):
        la1 = math.radians(h_lat[h1])
        la2 = math.radians(h_lat[h2])
        dl = math.radians(h_lon[h2] - h_lon[h1])
        a = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) > threshold
    # Both households are paired with the same visitor, so by the triangle inequality their
    # distance is at most the sum of their distances to the visitor's home.
    if not (np.isnan(p_home[p]) or np.isnan(p_home[q])):
        return p_home[p] + p_home[q] > threshold
    return True  # unknown: assume far, which can only add rest days


@njit(cache=True)
def _static_code(
    p,
    d,
    stay,
    wd_mask,
    v,
    h,
    wd0,
    v_cal,
    cal_code,
    cal_run,  # type: ignore[no-untyped-def]
    lv_ptr,
    lv_s,
    lv_e,
    hb_ptr,
    hb_s,
    hb_e,
):
    """Why pairing ``p`` cannot start a stay on day ``d`` for fixed reasons (0 = it can)."""
    if not (wd_mask >> ((wd0 + d) % 7)) & 1:
        return C_WEEKDAY
    c = v_cal[v]
    if cal_run[c, d] < stay:
        for t in range(d, d + stay):
            if cal_code[c, t] == CAL_HOLIDAY:
                return C_HOLIDAY
        return C_WORKING
    last = d + stay - 1
    for i in range(lv_ptr[v], lv_ptr[v + 1]):
        if lv_s[i] <= last and lv_e[i] >= d:
            return C_LEAVE
    for i in range(hb_ptr[h], hb_ptr[h + 1]):
        if hb_s[i] <= last and hb_e[i] >= d:
            return C_BLACKOUT
    return C_OK


@njit(cache=True)
def _clashes(
    p,
    d,
    stay,
    v,
    ptr,
    s_arr,
    e_arr,
    pair_arr,
    skip,
    p_hh,
    h_lat,
    h_lon,
    p_home,  # type: ignore[no-untyped-def]
    threshold,
    travel_days,
):
    """Whether a stay of ``p`` on ``[d, d+stay)`` overlaps (or leaves too little travel time
    around) one of visitor ``v``'s listed stays; row ``skip`` is ignored."""
    last = d + stay - 1
    for i in range(ptr[v], ptr[v + 1]):
        if i == skip:
            continue
        a = s_arr[i]
        if a > last + travel_days + 1:
            break  # rows are sorted by start
        b = e_arr[i]
        rest = 0
        if travel_days > 0 and (b + travel_days >= d and last + travel_days >= a):
            if _far(p, pair_arr[i], p_hh, h_lat, h_lon, p_home, threshold):
                rest = travel_days
        if not (b + rest < d or last + rest < a):
            return True
    return False


@njit(cache=True)
def sweep(  # type: ignore[no-untyped-def]  # noqa: PLR0913
    d0,
    d1,
    wd0,
    slack,
    travel_days,
    threshold,
    v_cal,
    v_org,
    org_cap,
    cal_code,
    cal_run,
    lv_ptr,
    lv_s,
    lv_e,
    hb_ptr,
    hb_s,
    hb_e,
    h_lat,
    h_lon,
    h_pref,
    p_hh,
    p_v,
    p_stay,
    p_gap,
    p_mask,
    p_from,
    p_to,
    p_home,
    vp_ptr,
    vp_idx,
    fv_ptr,
    fv_s,
    fv_e,
    fv_p,
    ev_day,
    ev_pair,
    ev_next,
    ev_pos,
    last,
    deadline,
    next_fixed,
    free_from,
    last_end,
    last_pair,
    wake,
    tiebreak,
    away,
    out_pair,
    out_start,
):
    """Place visits on days ``[d0, d1)``; returns how many were written to ``out_*``.

    Per visitor, pairings are served earliest-deadline-first. A visitor starts its most
    urgent pairing on the last day that still leaves ``slack`` feasible start days before the
    chain of its deadlines (so holidays and the staffing cap ahead are absorbed), preferring the
    household's preferred weekdays. Each day the starts are granted in order of urgency while
    the organisation's cap allows. Fixed visits are replayed as they pass.
    """
    n_v = len(v_cal)
    n_ev = len(ev_day)
    buf = np.empty(max(1, np.max(vp_ptr[1:] - vp_ptr[:-1])), dtype=np.int64)
    cand_v = np.empty(n_v, dtype=np.int64)
    cand_p = np.empty(n_v, dtype=np.int64)
    cand_key = np.empty(n_v, dtype=np.float64)
    n_out = 0
    for d in range(d0, d1):
        # Fixed visits starting today (or earlier, on the first day) update the cadence.
        while ev_pos[0] < n_ev and ev_day[ev_pos[0]] <= d:
            i = ev_pos[0]
            p = ev_pair[i]
            s = ev_day[i]
            if s > last[p] or last[p] == -BIG:
                last[p] = s
                deadline[p] = s + p_gap[p]
            next_fixed[p] = ev_next[i]
            wake[p_v[p]] = min(wake[p_v[p]], d)
            ev_pos[0] += 1
        nc = 0
        for v in range(n_v):
            if wake[v] > d:
                continue
            if free_from[v] > d:
                wake[v] = free_from[v]
                continue
            # Needy pairings of v, sorted by deadline (insertion sort: a handful per visitor).
            k = 0
            for j in range(vp_ptr[v], vp_ptr[v + 1]):
                p = vp_idx[j]
                if deadline[p] >= p_to[p] or next_fixed[p] <= deadline[p]:
                    continue
                m = k
                while m > 0 and deadline[buf[m - 1]] > deadline[p]:
                    buf[m] = buf[m - 1]
                    m -= 1
                buf[m] = p
                k += 1
            if k == 0:
                wake[v] = BIG
                continue
            lst = BIG
            acc = 0
            for j in range(k):
                p = buf[j]
                lst = min(lst, deadline[p] - acc)
                acc += p_stay[p] + travel_days
            p0 = buf[0]
            h0 = p_hh[p0]
            # x: the latest day leaving `slack` feasible start days in (x, lst].
            lo = max(d, p_from[p0])
            if last_pair[v] >= 0 and _far(last_pair[v], p0, p_hh, h_lat, h_lon, p_home, threshold):
                lo = max(lo, last_end[v] + 1 + travel_days)
            x = lo
            hi = min(lst, p_to[p0] - 1)
            count = 0
            pref = h_pref[h0]
            y = hi
            while y >= lo:
                ok = (
                    _static_code(
                        p0,
                        y,
                        p_stay[p0],
                        p_mask[p0],
                        v,
                        h0,
                        wd0,
                        v_cal,
                        cal_code,
                        cal_run,
                        lv_ptr,
                        lv_s,
                        lv_e,
                        hb_ptr,
                        hb_s,
                        hb_e,
                    )
                    == C_OK
                )
                if ok and _clashes(
                    p0,
                    y,
                    p_stay[p0],
                    v,
                    fv_ptr,
                    fv_s,
                    fv_e,
                    fv_p,
                    -1,
                    p_hh,
                    h_lat,
                    h_lon,
                    p_home,
                    threshold,
                    travel_days,
                ):
                    ok = False
                if ok:
                    if count >= slack:
                        x = y
                        # Prefer a preferred weekday within the week before x.
                        if pref != 0 and not (pref >> ((wd0 + y) % 7)) & 1:
                            z = y - 1
                            while z >= max(lo, y - 6):
                                if (
                                    (pref >> ((wd0 + z) % 7)) & 1
                                    and _static_code(
                                        p0,
                                        z,
                                        p_stay[p0],
                                        p_mask[p0],
                                        v,
                                        h0,
                                        wd0,
                                        v_cal,
                                        cal_code,
                                        cal_run,
                                        lv_ptr,
                                        lv_s,
                                        lv_e,
                                        hb_ptr,
                                        hb_s,
                                        hb_e,
                                    )
                                    == C_OK
                                    and not _clashes(
                                        p0,
                                        z,
                                        p_stay[p0],
                                        v,
                                        fv_ptr,
                                        fv_s,
                                        fv_e,
                                        fv_p,
                                        -1,
                                        p_hh,
                                        h_lat,
                                        h_lon,
                                        p_home,
                                        threshold,
                                        travel_days,
                                    )
                                ):
                                    x = z
                                    break
                                z -= 1
                        break
                    count += 1
                y -= 1
            if x > d:
                wake[v] = x
                continue
            # Start something today: the most urgent pairing if it can, else a later one that
            # does not endanger the most urgent.
            chosen = -1
            for j in range(k):
                p = buf[j]
                if d < p_from[p] or d >= p_to[p]:
                    continue
                if j > 0 and (
                    d + p_stay[p] + travel_days > deadline[p0] or d < deadline[p] - p_gap[p] // 2
                ):
                    continue
                h = p_hh[p]
                if (
                    _static_code(
                        p,
                        d,
                        p_stay[p],
                        p_mask[p],
                        v,
                        h,
                        wd0,
                        v_cal,
                        cal_code,
                        cal_run,
                        lv_ptr,
                        lv_s,
                        lv_e,
                        hb_ptr,
                        hb_s,
                        hb_e,
                    )
                    != C_OK
                ):
                    continue
                if (
                    last_pair[v] >= 0
                    and d <= last_end[v] + travel_days
                    and _far(last_pair[v], p, p_hh, h_lat, h_lon, p_home, threshold)
                ):
                    continue
                if _clashes(
                    p,
                    d,
                    p_stay[p],
                    v,
                    fv_ptr,
                    fv_s,
                    fv_e,
                    fv_p,
                    -1,
                    p_hh,
                    h_lat,
                    h_lon,
                    p_home,
                    threshold,
                    travel_days,
                ):
                    continue
                chosen = p
                break
            if chosen < 0:
                wake[v] = d + 1
                continue
            cand_v[nc] = v
            cand_p[nc] = chosen
            cand_key[nc] = lst + tiebreak[v]
            nc += 1
        if nc == 0:
            continue
        order = np.argsort(cand_key[:nc])
        for r in range(nc):
            v = cand_v[order[r]]
            p = cand_p[order[r]]
            stay = p_stay[p]
            o = v_org[v]
            if o >= 0 and org_cap[o] >= 0:
                full = False
                for t in range(d, d + stay):
                    if away[o, t] >= org_cap[o]:
                        full = True
                        break
                if full:
                    wake[v] = d + 1
                    continue
                for t in range(d, d + stay):
                    away[o, t] += 1
            out_pair[n_out] = p
            out_start[n_out] = d
            n_out += 1
            last[p] = d
            deadline[p] = d + p_gap[p]
            free_from[v] = d + stay
            last_end[v] = d + stay - 1
            last_pair[v] = p
            wake[v] = d + stay
    return n_out


@njit(cache=True)
def explain(  # type: ignore[no-untyped-def]  # noqa: PLR0913
    pairs,
    win_lo,
    win_hi,
    wd0,
    travel_days,
    threshold,
    v_cal,
    v_org,
    org_cap,
    cal_code,
    cal_run,
    lv_ptr,
    lv_s,
    lv_e,
    hb_ptr,
    hb_s,
    hb_e,
    h_lat,
    h_lon,
    p_hh,
    p_v,
    p_stay,
    p_mask,
    p_home,
    vv_ptr,
    vv_s,
    vv_e,
    vv_p,
    away,
):
    """For each pairing in ``pairs``, count why each start day in ``[win_lo, win_hi]`` was
    unusable in the final plan (``vv_*``: every visit by visitor; ``away``: final day counts).

    Returns an array ``(len(pairs), N_CODES)`` of day counts; ``C_PLANNER`` counts free days.
    """
    out = np.zeros((len(pairs), N_CODES), dtype=np.int64)
    for i in range(len(pairs)):
        p = pairs[i]
        v = p_v[p]
        h = p_hh[p]
        stay = p_stay[p]
        o = v_org[v]
        for d in range(win_lo[i], win_hi[i] + 1):
            code = _static_code(
                p,
                d,
                stay,
                p_mask[p],
                v,
                h,
                wd0,
                v_cal,
                cal_code,
                cal_run,
                lv_ptr,
                lv_s,
                lv_e,
                hb_ptr,
                hb_s,
                hb_e,
            )
            if code == C_OK and _clashes(
                p,
                d,
                stay,
                v,
                vv_ptr,
                vv_s,
                vv_e,
                vv_p,
                -1,
                p_hh,
                h_lat,
                h_lon,
                p_home,
                threshold,
                travel_days,
            ):
                code = C_BUSY
            if code == C_OK and o >= 0 and org_cap[o] >= 0:
                for t in range(d, d + stay):
                    if away[o, t] >= org_cap[o]:
                        code = C_CAP
                        break
            if code == C_OK:
                code = C_PLANNER
            out[i, code] += 1
    return out
