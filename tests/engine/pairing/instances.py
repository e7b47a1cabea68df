"""Synthetic pairing instances: towns with a population skew and a minority language."""

from __future__ import annotations

import numpy as np

from doorstep.engine.pairing.problem import PairingProblem


def towns(
    *,
    households: int,
    visitors: int,
    seed: int = 0,
    n_towns: int = 20,
    spread_km: float = 60.0,
    minority: float = 0.12,
    capacity: tuple[int, int] = (1, 3),
    current: float = 0.0,
    skew: float = 0.3,
) -> PairingProblem:
    """Households and visitors clustered around ``n_towns`` towns of Zipf-like sizes.

    Visitors follow the households' town weights times log-normal noise of sigma ``skew``, so
    some towns are short of visitors and capacity has to move between towns; a ``minority``
    share of households speak only a second language.
    """
    rng = np.random.default_rng(seed)
    centre = np.array([27.0, 107.0])
    deg = spread_km / 111.0
    town_xy = centre + rng.uniform(-deg, deg, size=(n_towns, 2))
    weight_h = 1.0 / np.arange(1, n_towns + 1)
    weight_v = weight_h * rng.lognormal(0.0, skew, size=n_towns)

    def place(n: int, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = rng.choice(n_towns, size=n, p=weight / weight.sum())
        xy = town_xy[t] + rng.normal(0, 0.03, size=(n, 2))
        return xy[:, 0], xy[:, 1]

    hlat, hlon = place(households, weight_h)
    vlat, vlon = place(visitors, weight_v)
    hl = np.where(
        rng.random(households) < minority, 2, np.where(rng.random(households) < 0.1, 3, 1)
    )
    vl = np.where(rng.random(visitors) < 0.15, 3, 1)
    cur = np.full(households, -1, np.int32)
    if current and visitors:
        pick = rng.random(households) < current
        cur[pick] = rng.integers(0, visitors, size=int(pick.sum()))
    return PairingProblem(
        household_ids=np.array([f"h{i}" for i in range(households)], dtype=object),
        household_lat=hlat,
        household_lon=hlon,
        household_languages=hl.astype(np.uint64),
        household_current=cur,
        visitor_ids=np.array([f"v{i}" for i in range(visitors)], dtype=object),
        visitor_lat=vlat,
        visitor_lon=vlon,
        visitor_languages=vl.astype(np.uint64),
        visitor_capacity=rng.integers(capacity[0], capacity[1] + 1, size=visitors).astype(np.int32),
        languages=("zh", "hmn"),
    )
