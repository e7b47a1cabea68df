"""An independent exact solution: scipy's assignment solver on the expanded problem."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from doorstep.domain.geo import haversine_m_array
from doorstep.engine.pairing.problem import NONE, PairingProblem


def exact(
    problem: PairingProblem, *, max_km: float = 30.0, keep_km: float = 0.0
) -> tuple[int, int]:
    """``(paired, total cost)`` of the lexicographic optimum, by brute force.

    Every visitor is copied once per place; each household also gets a private "unpaired"
    column. Pairs cost their distance less a reward larger than any total distance, so the
    assignment first pairs as many households as it can, then minimises the distance.
    """
    p = problem
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
    ok &= (d <= max_km * 1000) | (p.visitor_pool[None, :] != NONE)
    cost = d - np.where(
        p.household_current[:, None] == np.arange(p.n_visitors)[None], round(keep_km * 1000), 0
    )
    slots = np.repeat(np.arange(p.n_visitors), p.visitor_capacity)
    reward = int(np.abs(cost).sum()) + 1
    big = 4 * reward * max(p.n_households, 1)
    m = np.where(ok[:, slots], cost[:, slots] - reward, big)
    dummy = np.full((p.n_households, p.n_households), big, dtype=np.int64)
    np.fill_diagonal(dummy, 0)
    rows, cols = linear_sum_assignment(np.hstack((m, dummy)).astype(np.float64))
    pairs = cols < len(slots)
    chosen = m[rows[pairs], cols[pairs]]
    assert (chosen < big).all()
    return int(pairs.sum()), int((chosen + reward).sum())
