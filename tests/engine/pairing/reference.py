"""An independent exact solution: scipy's assignment solver on the expanded problem."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing.problem import NONE, PairingProblem


def metres_and_allowed(p: PairingProblem, max_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Whole metres between every household and visitor, and which pairs are allowed."""
    d = np.rint(
        haversine_m_array(
            p.household_lat[:, None],
            p.household_lon[:, None],
            p.visitor_lat[None],
            p.visitor_lon[None],
        )
    ).astype(np.int64)
    hh, vv = np.meshgrid(np.arange(p.n_households), np.arange(p.n_visitors), indexing="ij")
    ok = p.eligible(hh.ravel(), vv.ravel()).reshape(d.shape)
    ok &= (d <= max_m) | (p.visitor_pool[None, :] != NONE)
    return d, ok


def exact(
    problem: PairingProblem, *, max_km: float = 30.0, keep_km: float = 0.0, balance_m: float = 0.0
) -> tuple[int, int]:
    """``(paired, total cost)`` of the lexicographic optimum, by brute force.

    Every visitor is copied once per place; each household also gets a private "unpaired"
    column. Pairs cost their distance less a reward larger than any total distance, so the
    assignment first pairs as many households as it can, then minimises the distance. With
    balance a visitor's ``j``-th place costs ``balance_m * (2j - 1)`` more, so its caseload
    ``n`` costs ``balance_m * n**2`` in all: the assignment fills the cheaper places first.
    """
    p = problem
    d, ok = metres_and_allowed(p, max_km * 1000)
    cost = d - np.where(
        p.household_current[:, None] == np.arange(p.n_visitors)[None], round(keep_km * 1000), 0
    )
    slots = np.repeat(np.arange(p.n_visitors), p.visitor_capacity)
    place = np.arange(len(slots)) - np.repeat(
        np.cumsum(p.visitor_capacity) - p.visitor_capacity, p.visitor_capacity
    )
    extra = round(balance_m) * (2 * place + 1)
    reward = int(np.abs(cost).sum()) + int(extra.sum()) + 1
    big = 4 * reward * max(p.n_households, 1)
    m = np.where(ok[:, slots], cost[:, slots] + extra[None, :] - reward, big)
    dummy = np.full((p.n_households, p.n_households), big, dtype=np.int64)
    np.fill_diagonal(dummy, 0)
    rows, cols = linear_sum_assignment(np.hstack((m, dummy)).astype(np.float64))
    pairs = cols < len(slots)
    chosen = m[rows[pairs], cols[pairs]]
    assert (chosen < big).all()
    return int(pairs.sum()), int((chosen + reward).sum())


def exact_insertion(
    problem: PairingProblem, new: np.ndarray, *, max_km: float = 30.0, keep_km: float = 5.0
) -> tuple[int, int]:
    """``(new households paired, cost)`` of the insertion model of :mod:`.insert`, by brute force.

    Current pairs that are not eligible, or beyond a visitor's capacity (farthest first), end;
    the households they leave (with consent) join ``new``. Every other household must stay
    paired: at its visitor for nothing, elsewhere for ``keep_km`` plus any metres it gains.
    A paired newcomer costs its metres less a reward larger than any total.
    """
    p = problem
    keep_m = round(keep_km * 1000)
    d, ok = metres_and_allowed(p, max_km * 1000)
    orig = np.full(p.n_households, NONE, np.int64)
    for v in range(p.n_visitors):
        mine = [h for h in range(p.n_households) if p.household_current[h] == v and ok[h, v]]
        mine.sort(key=lambda h: (d[h, v], h))
        for h in mine[: p.visitor_capacity[v]]:
            orig[h] = v
    released = (p.household_current != NONE) & (orig == NONE)
    todo = np.zeros(p.n_households, np.bool_)
    todo[np.asarray(new, dtype=np.int64)] = True
    todo |= released
    todo &= p.household_consent & (p.household_languages != 0)
    rows = np.flatnonzero(todo | (orig != NONE))
    slots = np.repeat(np.arange(p.n_visitors), p.visitor_capacity)
    reward = int(d.sum()) + keep_m * p.n_households + 1
    big = 4 * reward * max(p.n_households, 1)
    cost = np.full((len(rows), len(slots) + len(rows)), big, np.int64)
    for i, h in enumerate(rows):
        for j, v in enumerate(slots):
            if not ok[h, v]:
                continue
            if orig[h] == NONE:
                cost[i, j] = d[h, v] - reward
            elif v == orig[h]:
                cost[i, j] = 0
            else:
                cost[i, j] = keep_m + max(d[h, v] - d[h, orig[h]], 0)
        if orig[h] == NONE:
            cost[i, len(slots) + i] = 0
    r, c = linear_sum_assignment(cost.astype(np.float64))
    chosen = cost[r, c]
    assert (chosen < big).all()
    paired_new = int(((orig[rows[r]] == NONE) & (c < len(slots))).sum())
    return paired_new, int(chosen.sum()) + paired_new * reward
