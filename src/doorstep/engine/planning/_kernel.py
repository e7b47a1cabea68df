"""The compiled day sweep behind :func:`doorstep.engine.planning.planner.plan`.

Plain loops compiled by numba: at 1.69M pairings a Python loop per visit would take minutes.
The helpers are closures over the arrays rather than functions taking them: numba reference-
counts every array passed to a function, which made the sweep some twenty times slower.
Every argument is documented on :class:`doorstep.engine.planning.problem.PlanningProblem`
or in ``plan.py``.
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
def sweep(  # type: ignore[no-untyped-def]
    d0, d1, p_first_day, weekday, slack, spread, reserve, travel_days, threshold,
    v_cal, v_org, org_cap, org_target, cal_code, cal_run,
    lv_ptr, lv_s, lv_e, hb_ptr, hb_s, hb_e, h_lat, h_lon, h_pref,
    p_hh, p_v, p_stay, p_gap, p_mask, p_from, p_to, p_cover, p_next, p_home,
    vp_ptr, vp_idx, hp_ptr, hp_idx, p_shared, fv_ptr, fv_s, fv_e, fv_p,
    ev_day, ev_pair, ev_next, ev_pos,
    last, by_visit, deadline, next_fixed, free_from, last_end, last_pair, wake, ready, due,
    ready_p, ready_lst, tiebreak, away, out_pair, out_start,
):  # fmt: skip
    """Place visits on days ``[d0, d1)``; returns how many were written to ``out_*``.

    Per visitor, pairings are served earliest-deadline-first. A visitor starts its most
    urgent pairing on the last day that still leaves ``slack`` feasible start days before the
    chain of its deadlines (so holidays and the staffing cap ahead are absorbed), preferring the
    household's preferred weekdays. Up to ``spread`` days before that day the visitor may
    start early, but only into an organisation's quiet days (below ``org_target``, the
    expected daily load), which fills troughs instead of piling visits on busy days. Each day
    the starts are granted in order of urgency (due ones first) while the organisation's cap
    allows. Fixed visits are replayed as they pass. A visit, planned or fixed, is the last
    visit of every pairing of its household yet to begin (``hp_*``: pairings by household;
    ``p_shared``: a bitset of the pairings whose household has others, small enough to stay
    in the cache, as looking up every visit's household cost a tenth of the sweep).
    """

    def share(p: int, s: int, w: int) -> None:
        # The cadence is the household's: a visit on day s is the anchor of its pairings
        # that begin later (the latest such visit; a visit outranks a mere clock), so a
        # visitor taking the household over is due `gap` after it, not after the handover.
        # Their visitors plan again from day w, their deadlines having moved.
        for j in range(hp_ptr[p_hh[p]], hp_ptr[p_hh[p] + 1]):
            q = hp_idx[j]
            if q != p and p_from[q] > s and (not by_visit[q] or s > last[q]):
                last[q] = s
                by_visit[q] = True
                deadline[q] = s + p_gap[q]
                wake[p_v[q]] = min(wake[p_v[q]], w)
                ready[p_v[q]] = False

    def far(p: int, q: int) -> bool:
        # Whether two stays of one visitor are far enough apart to need travel days.
        h1 = p_hh[p]
        h2 = p_hh[q]
        if h1 == h2:
            return False
        if not (np.isnan(h_lat[h1]) or np.isnan(h_lat[h2])):
            la1 = math.radians(h_lat[h1])
            la2 = math.radians(h_lat[h2])
            dl = math.radians(h_lon[h2] - h_lon[h1])
            a = math.sin((la2 - la1) / 2) ** 2
            a += math.cos(la1) * math.cos(la2) * math.sin(dl / 2) ** 2
            return bool(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) > threshold)
        # Both households are paired with the same visitor: by the triangle inequality their
        # distance is at most the sum of their distances to the visitor's home.
        if not (np.isnan(p_home[p]) or np.isnan(p_home[q])):
            return bool(p_home[p] + p_home[q] > threshold)
        return True  # unknown: assume far, which can only add rest days

    def rest(p: int, q: int) -> int:
        # The free days a visitor needs between a stay of p and one of q.
        return travel_days if travel_days > 0 and far(p, q) else 0

    def static_code(p: int, d: int) -> int:
        # Why p cannot start a stay on day d for reasons that never change (0 = it can).
        if not (p_mask[p] >> weekday[d]) & 1:
            return C_WEEKDAY
        v = p_v[p]
        c = v_cal[v]
        stay = p_stay[p]
        if cal_run[c, d] < stay:
            for t in range(d, d + stay):
                if cal_code[c, t] == CAL_HOLIDAY:
                    return C_HOLIDAY
            return C_WORKING
        end = d + stay - 1
        for i in range(lv_ptr[v], lv_ptr[v + 1]):
            if lv_s[i] <= end and lv_e[i] >= d:
                return C_LEAVE
        h = p_hh[p]
        for i in range(hb_ptr[h], hb_ptr[h + 1]):
            if hb_s[i] <= end and hb_e[i] >= d:
                return C_BLACKOUT
        return C_OK

    def clashes_fixed(p: int, d: int) -> bool:
        # Whether a stay of p from day d overlaps, or leaves too little rest around, a fixed
        # visit of the same visitor.
        v = p_v[p]
        end = d + p_stay[p] - 1
        for i in range(fv_ptr[v], fv_ptr[v + 1]):
            a = fv_s[i]
            if a > end + travel_days + 1:
                break  # sorted by start
            b = fv_e[i]
            rest = 0
            near_in_time = travel_days > 0 and b + travel_days >= d and end + travel_days >= a
            if near_in_time and far(p, fv_p[i]):
                rest = travel_days
            if not (b + rest < d or end + rest < a):
                return True
        return False

    def has_next(p: int, t: int) -> bool:
        # Whether, after a stay of p starting on day t, the next visit can start in time
        # as far as fixed reasons go: a start followed by a blocked stretch longer than the
        # gap (blackout, leave and holidays back to back) dooms the next gap.
        g = p_gap[p]
        if t + g >= p_cover[p] or t < next_fixed[p] <= t + g:
            return True
        stop = min(t + g, p_to[p] - 1)  # its own stays start before `to`
        for z in range(t + p_stay[p], stop + 1):  # noqa: SIM110 - numba has no generators
            if static_code(p, z) == C_OK:
                return True
        return False

    def can_start(p: int, d: int) -> bool:
        # Static feasibility (with room for the next visit, unless already late), rest after
        # the visitor's previous planned stay, fixed visits.
        if static_code(p, d) != C_OK:
            return False
        if d <= deadline[p] and not has_next(p, d):
            return False
        v = p_v[p]
        if last_pair[v] >= 0 and d <= last_end[v] + travel_days and far(last_pair[v], p):
            return False
        return not clashes_fixed(p, d)

    if d0 == p_first_day:
        # A hand-over (``p_next``): the next visitor may be unable to start on its first
        # day (holidays, leave, a blackout, weekdays, a recorded or kept visit elsewhere).
        # This pairing then plans to cover the household until the first day it can, if a
        # visit on its own last start day can reach that far, so that the household is not
        # left waiting in between (if not, it waits whatever this pairing does). Only what
        # the plan aims at: the rules still judge each pairing to its ``cover_to``.
        for p in range(len(p_next)):
            q = p_next[p]
            if q < 0:
                continue
            # Not just its first start day: one day is easily taken by the staffing cap
            # (the days after a holiday) or by the new visitor's own households, so the
            # household is covered until the new visitor has had `reserve` start days, or
            # as many as a visit on this pairing's last start day reaches.
            reach = min(p_to[q] - 1, p_to[p] - 1 + p_gap[p])
            z = p_cover[p]
            found = 0
            aim = -1
            while z <= reach and found < reserve:
                if static_code(q, z) == C_OK and not clashes_fixed(q, z):
                    aim = z
                    found += 1
                z += 1
            if aim >= 0:
                p_cover[p] = max(p_cover[p], aim)

    n_v = len(v_cal)
    n_ev = len(ev_day)
    buf = np.empty(max(1, np.max(vp_ptr[1:] - vp_ptr[:-1])), dtype=np.int64)
    late_buf = np.empty_like(buf)
    cand_v = np.empty(n_v, dtype=np.int64)
    cand_p = np.empty(n_v, dtype=np.int64)
    cand_key = np.empty(n_v, dtype=np.float64)
    cand_flex = np.zeros(n_v, dtype=np.bool_)
    n_out = 0
    for d in range(d0, d1):
        # Fixed visits starting today (or earlier, on the first day) update the cadence.
        while ev_pos[0] < n_ev and ev_day[ev_pos[0]] <= d:
            i = ev_pos[0]
            p = ev_pair[i]
            s = ev_day[i]
            if s > last[p] or not by_visit[p]:  # a visit outranks a clock, as in the rules
                last[p] = s
                by_visit[p] = True
                deadline[p] = s + p_gap[p]
            next_fixed[p] = ev_next[i]
            share(p, s, d)
            wake[p_v[p]] = min(wake[p_v[p]], d)
            ready[p_v[p]] = False
            ev_pos[0] += 1
        nc = 0
        for v in range(n_v):
            if wake[v] > d:
                continue
            if free_from[v] > d:
                wake[v] = free_from[v]
                ready[v] = False
                continue
            if ready[v] and d < due[v]:
                # A day on which this visitor could start early (nothing changed since its
                # chain was computed): only its most urgent pairing, only into a quiet day.
                p = ready_p[v]
                o = v_org[v]
                # Already at the expected load today: no need to queue (counts only grow).
                quiet = away[o, d] < org_target[o] and (org_cap[o] < 0 or away[o, d] < org_cap[o])
                # Early only onto a weekday the household prefers: x is one where it can be.
                pref = h_pref[p_hh[p]]
                if pref != 0 and not (pref >> weekday[d]) & 1:
                    quiet = False
                if quiet and p_from[p] <= d < p_to[p] and can_start(p, d):
                    cand_v[nc] = v
                    cand_p[nc] = p
                    cand_flex[nc] = True
                    cand_key[nc] = ready_lst[v] + tiebreak[v] + 1e12
                    nc += 1
                else:
                    wake[v] = d + 1
                continue
            # Needy pairings of v with their latest feasible start by the deadline (a holiday
            # or blackout just before a deadline pulls it earlier), most constrained first
            # (insertion sort: a handful per visitor).
            k = 0
            for j in range(vp_ptr[v], vp_ptr[v + 1]):
                p = vp_idx[j]
                if deadline[p] >= p_cover[p] or next_fixed[p] <= deadline[p]:
                    continue
                # Due after its own last start day (in a hand-over, before the next visitor
                # can come): it must start by then.
                latest = min(deadline[p], p_to[p] - 1)
                floor = max(d, p_from[p])
                while latest >= floor and (
                    static_code(p, latest) != C_OK or not has_next(p, latest)
                ):
                    latest -= 1
                if latest < floor:  # no start leaves room for the next: settle for any
                    latest = min(deadline[p], p_to[p] - 1)
                    while latest >= floor and static_code(p, latest) != C_OK:
                        latest -= 1
                if latest < floor:
                    # Late whatever happens (a blackout or leave over its whole window):
                    # aim at the first day it can start at all, so that it does not hold the
                    # visitor's other pairings back until then; never, if no day can.
                    latest = floor
                    while latest < p_to[p] and static_code(p, latest) != C_OK:
                        latest += 1
                    if latest >= p_to[p]:
                        latest = BIG
                m = k
                while m > 0 and (
                    late_buf[m - 1] > latest
                    or (late_buf[m - 1] == latest and deadline[buf[m - 1]] > deadline[p])
                ):
                    buf[m] = buf[m - 1]
                    late_buf[m] = late_buf[m - 1]
                    m -= 1
                buf[m] = p
                late_buf[m] = latest
                k += 1
            if k == 0:
                wake[v] = BIG
                continue
            # The latest start of the chain, from its end: each start by its own latest and
            # a stay (and travel day) before the next, on a day it can start. A holiday
            # between two stays pushes the earlier one before it, where subtracting the
            # stays alone would have seen room in the holiday.
            lst = BIG
            for j in range(k - 1, -1, -1):
                t = late_buf[j]
                if lst < BIG:
                    t = min(t, lst - p_stay[buf[j]] - rest(buf[j], buf[j + 1]))
                if t < BIG:
                    while t > d and static_code(buf[j], t) != C_OK:
                        t -= 1
                lst = t
            opens = -BIG  # the first day the most urgent can start, if its window is ahead
            if k > 1 and p_from[buf[0]] > d:
                opens = p_from[buf[0]]
                # Within its window: a pairing that can never start has the latest start BIG.
                stop = min(late_buf[0], p_to[buf[0]])
                while opens < stop and static_code(buf[0], opens) != C_OK:
                    opens += 1
            if lst < opens:
                # The most urgent pairing's window opens after the chain behind it must
                # have started (a household handed over and due soon after the new pairing
                # begins): serving the next one first, before the window opens, may leave
                # more room than waiting for it.
                a = buf[0]
                b = buf[1]
                alt = min(late_buf[1], late_buf[0] - p_stay[b] - rest(b, a))
                acc = p_stay[b] + rest(b, a) + p_stay[a]
                prev = a
                for j in range(2, k):
                    acc += rest(prev, buf[j])
                    alt = min(alt, late_buf[j] - acc)
                    acc += p_stay[buf[j]]
                    prev = buf[j]
                # Compared by the room each order leaves after its first can start.
                if alt - max(d, p_from[b]) > lst - opens:
                    lst = alt
                    buf[0] = b
                    buf[1] = a
                    t = late_buf[0]
                    late_buf[0] = late_buf[1]
                    late_buf[1] = t
            latest0 = late_buf[0]
            p0 = buf[0]
            if not ready[v]:
                # x: the latest day leaving `slack` feasible start days in (x, lst], but
                # not more than 2 * slack days early once one is left: where start days are
                # sparse (one weekday a week) `slack` of them would be weeks, and visits
                # would come two or three times as often as the cadence needs. Nothing it
                # depends on changes until this visitor starts a stay or a fixed visit
                # passes, so once reached it is not recomputed (`ready`).
                lo = max(d, p_from[p0])
                x = lo
                count = 0
                earliest = lo
                y = min(lst, p_to[p0] - 1)
                while y >= lo:
                    if can_start(p0, y):
                        if count >= slack:
                            x = y
                            break
                        count += 1
                        earliest = y
                    if count > 0 and y <= lst - 2 * slack:
                        x = earliest
                        break
                    y -= 1
                # Early starts into quiet days stop at `enough`:
                # a start before it leaves the rest of the horizon one visit short.
                anchor = last[p0] if last[p0] > -BIG else p_from[p0]
                g0 = p_gap[p0]
                low = p_cover[p0] - ((p_cover[p0] - anchor + g0 - 1) // g0 - 1) * g0
                # Prefer one of the household's weekdays in the week before x.
                pref = h_pref[p_hh[p0]]
                if x > lo and pref != 0 and not (pref >> weekday[x]) & 1:
                    z = x - 1
                    while z >= max(lo, x - 6):
                        if (pref >> weekday[z]) & 1 and can_start(p0, z):
                            x = z
                            break
                        z -= 1
                # The reserve matters more than saving a visit: x stays, but nothing earlier
                # (x as moved to a preferred weekday: waking after it would start late).
                low = min(low, x)
                ready[v] = True
                due[v] = x
                ready_p[v] = p0
                ready_lst[v] = lst
                o = v_org[v]
                first = max(x - spread, low) if o >= 0 and org_target[o] >= 0 else x
                if first > d:
                    wake[v] = first
                    continue
            # Start something today: the most urgent pairing if it can, else a later one that
            # neither endangers the most urgent nor comes too early for its own cadence.
            chosen = -1
            for j in range(k):
                p = buf[j]
                if d < p_from[p] or d >= p_to[p]:
                    continue
                if j > 0 and (
                    d + p_stay[p] + rest(p, p0) > latest0 or d < late_buf[j] - p_gap[p] // 2
                ):
                    continue
                pref = h_pref[p_hh[p]]
                if d < due[v] and pref != 0 and not (pref >> weekday[d]) & 1:
                    continue  # early (a quiet day): only onto a weekday the household prefers
                if can_start(p, d):
                    chosen = p
                    break
            if chosen < 0:
                wake[v] = d + 1
                continue
            cand_v[nc] = v
            cand_p[nc] = chosen
            flexible = d < due[v]
            cand_flex[nc] = flexible
            cand_key[nc] = lst + tiebreak[v] + (1e12 if flexible else 0.0)
            nc += 1
        if nc == 0:
            continue
        order = np.argsort(cand_key[:nc])
        for r in range(nc):
            v = cand_v[order[r]]
            p = cand_p[order[r]]
            stay = p_stay[p]
            o = v_org[v]
            if o >= 0:
                limit = org_cap[o]
                if cand_flex[order[r]] and (limit < 0 or org_target[o] < limit):
                    limit = org_target[o]
                full = False
                if limit >= 0:
                    for t in range(d, d + stay):
                        if away[o, t] >= limit:
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
            last[p] = d  # `by_visit` may stay unset: nothing shared with p comes later
            deadline[p] = d + p_gap[p]
            if (p_shared[p >> 3] >> (p & 7)) & 1:
                share(p, d, d + 1)
            free_from[v] = d + stay
            last_end[v] = d + stay - 1
            last_pair[v] = p
            wake[v] = d + stay
            ready[v] = False
    return n_out


@njit(cache=True)
def explain(  # type: ignore[no-untyped-def]
    pairs, win_lo, win_hi, weekday, travel_days, threshold,
    v_cal, v_org, org_cap, cal_code, cal_work,
    lv_ptr, lv_s, lv_e, hb_ptr, hb_s, hb_e, h_lat, h_lon,
    p_hh, p_v, p_stay, p_mask, p_home,
    vv_ptr, vv_s, vv_e, vv_p, away,
):  # fmt: skip
    """For each pairing in ``pairs``, count what made each start day in
    ``[win_lo, win_hi]`` unusable in the final plan (``vv_*``: every visit by visitor;
    ``away``: final day counts; ``cal_work``: each calendar's working weekdays as a bit mask).

    Returns two arrays ``(len(pairs), N_CODES)`` of day counts: ``every`` counts, for each
    constraint, every day it blocks (a day blocked by leave and a holiday counts for both),
    and ``open_`` the same over the days the working pattern and the start weekdays allow
    (the only days anything else can take away). Column ``C_OK`` holds the days asked,
    ``C_PLANNER`` the days nothing blocked. The tests are those of :func:`sweep`, applied
    to the finished plan, but all of them on every day: the first that failed used to take
    the day, so a holiday in a stay's week hid the leave that covered all of it.

    A day whose stay would meet one of the pairing's own stays is not asked about: the
    household is being visited then, by this very pairing, so its visitor is not booked
    elsewhere. Where every day of the window meets one (the two stays around the gap are
    too close for one more between them), the days are asked about as if the pairing's
    stays were not there: a free one means the planner could have moved them.
    """

    def far(p: int, q: int) -> bool:
        h1 = p_hh[p]
        h2 = p_hh[q]
        if h1 == h2:
            return False
        if not (np.isnan(h_lat[h1]) or np.isnan(h_lat[h2])):
            la1 = math.radians(h_lat[h1])
            la2 = math.radians(h_lat[h2])
            dl = math.radians(h_lon[h2] - h_lon[h1])
            a = math.sin((la2 - la1) / 2) ** 2
            a += math.cos(la1) * math.cos(la2) * math.sin(dl / 2) ** 2
            return bool(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) > threshold)
        if not (np.isnan(p_home[p]) or np.isnan(p_home[q])):
            return bool(p_home[p] + p_home[q] > threshold)
        return True

    def blockers(p: int, d: int, own: bool) -> int:
        # Every reason a stay of p from day d could not start, as bits (1 << code; 0:
        # nothing stopped it); -1 when it meets one of p's own stays and `own` says to
        # skip such days.
        v = p_v[p]
        h = p_hh[p]
        c = v_cal[v]
        stay = p_stay[p]
        o = v_org[v]
        end = d + stay - 1
        if own:
            for j in range(vv_ptr[v], vv_ptr[v + 1]):
                if vv_p[j] == p and not (vv_e[j] < d or end < vv_s[j]):
                    return -1
        bits = 0
        if not (p_mask[p] >> weekday[d]) & 1:
            bits |= 1 << C_WEEKDAY
        for t in range(d, d + stay):
            # A holiday on a weekday the visitor does not work is both: the working
            # pattern already blocks the stay.
            if not (cal_work[c] >> weekday[t]) & 1:
                bits |= 1 << C_WORKING
            if cal_code[c, t] == CAL_HOLIDAY:
                bits |= 1 << C_HOLIDAY
        for j in range(lv_ptr[v], lv_ptr[v + 1]):
            if lv_s[j] <= end and lv_e[j] >= d:
                bits |= 1 << C_LEAVE
                break
        for j in range(hb_ptr[h], hb_ptr[h + 1]):
            if hb_s[j] <= end and hb_e[j] >= d:
                bits |= 1 << C_BLACKOUT
                break
        for j in range(vv_ptr[v], vv_ptr[v + 1]):
            a = vv_s[j]
            b = vv_e[j]
            if vv_p[j] == p:
                continue
            rest = travel_days if far(p, vv_p[j]) else 0
            if not (b + rest < d or end + rest < a):
                bits |= 1 << C_BUSY
                break
        if o >= 0 and org_cap[o] >= 0:
            for t in range(d, d + stay):
                mine = 0  # p's own stay on day t is counted in `away`, and would move
                for j in range(vv_ptr[v], vv_ptr[v + 1]):
                    if vv_p[j] == p and vv_s[j] <= t <= vv_e[j]:
                        mine = 1
                if away[o, t] - mine >= org_cap[o]:
                    bits |= 1 << C_CAP
                    break
        return bits

    pattern = (1 << C_WORKING) | (1 << C_WEEKDAY)
    every = np.zeros((len(pairs), N_CODES), dtype=np.int64)
    open_ = np.zeros((len(pairs), N_CODES), dtype=np.int64)
    for i in range(len(pairs)):
        p = pairs[i]
        for own in (True, False):
            for d in range(win_lo[i], win_hi[i] + 1):
                bits = blockers(p, d, own)
                if bits < 0:
                    continue
                is_open = 1 if (bits & pattern) == 0 else 0
                every[i, C_OK] += 1
                open_[i, C_OK] += is_open
                if bits == 0:
                    every[i, C_PLANNER] += 1
                    open_[i, C_PLANNER] += 1
                for code in range(1, C_PLANNER):
                    if (bits >> code) & 1:
                        every[i, code] += 1
                        open_[i, code] += is_open
            if every[i, C_OK] > 0:
                break
    return every, open_
