"""A pairing's settings are checked by one set of rules, which speak in the words of the
front door that asks: the command line's flags, the API's fields."""

from __future__ import annotations

import pytest

from doorstep.errors import InvalidInput
from doorstep.services.pairing.settings import FARTHEST_KM, FLAGS, check_new_only, solve_params


def test_keep_km_above_max_km_is_refused_in_each_front_door_s_words() -> None:
    with pytest.raises(InvalidInput, match=r"^keep_km 8 is above max_km 5"):
        solve_params(max_km=5, keep_km=8, balance_m=0)
    with pytest.raises(InvalidInput, match=r"^--keep-km 8 is above --max-km 5"):
        solve_params(max_km=5, keep_km=8, balance_m=0, names=FLAGS)


def test_an_engine_refusal_is_renamed_and_a_far_max_km_is_taken_as_the_farthest() -> None:
    with pytest.raises(InvalidInput, match=r"^--balance-m must be a whole number"):
        solve_params(max_km=5, keep_km=None, balance_m=0.5, names=FLAGS)
    params = solve_params(max_km=1e9, keep_km=None, balance_m=0)
    assert (params.max_km, params.keep_km) == (FARTHEST_KM, 5.0)
    assert solve_params(max_km=3, keep_km=None, balance_m=0).keep_km == 3


def test_max_settled_needs_new_only_and_balance_refuses_it() -> None:
    check_new_only(True, max_settled=10)
    check_new_only(False, balance_m=100)
    with pytest.raises(InvalidInput, match=r"^max_settled only applies with new_only$"):
        check_new_only(False, max_settled=10)
    with pytest.raises(InvalidInput, match=r"^balance_m does not apply with new_only: "):
        check_new_only(True, balance_m=100)
    with pytest.raises(InvalidInput, match=r"^--balance-m does not apply with --new-only: "):
        check_new_only(True, balance_m=100, names=FLAGS)
