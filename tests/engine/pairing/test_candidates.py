from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.engine.pairing.candidates import Arcs


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 400),
    households=st.integers(1, 40),
    visitors=st.integers(1, 60),
)
def test_unique_keeps_the_first_of_each_pair_in_pair_order(
    seed: int, n: int, households: int, visitors: int
) -> None:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, households, n)
    v = rng.integers(0, visitors, n)
    d = rng.integers(0, 30_000, n)  # repeats may differ here, so "first" is observable
    arcs = Arcs(h, v, d)
    _, first = np.unique(arcs.keys(visitors), return_index=True)
    expected = arcs.take(first)
    got = arcs.unique()
    for name in ("household", "visitor", "distance"):
        assert getattr(got, name).tolist() == getattr(expected, name).tolist()


def test_unique_sorts_a_household_with_many_arcs_stably() -> None:
    # Past a few dozen arcs a household's arcs are sorted another way (a remote pool's
    # households have an arc to each of its visitors).
    rng = np.random.default_rng(1)
    n = 5_000
    h = np.where(rng.random(n) < 0.5, 3, rng.integers(0, 9, n))
    v = rng.integers(0, 700, n)
    d = np.arange(n)
    arcs = Arcs(h, v, d)
    _, first = np.unique(arcs.keys(700), return_index=True)
    assert arcs.unique().distance.tolist() == d[first].tolist()
