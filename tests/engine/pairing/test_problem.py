from __future__ import annotations

import numpy as np
import pytest

from doorstep.engine.pairing.params import PairingParams
from doorstep.engine.pairing.problem import (
    PairingProblem,
    PairingProblemBuilder,
    TooManyLanguages,
    encode_languages,
)


def arrays(**override):  # type: ignore[no-untyped-def]
    base = {
        "household_ids": np.array(["h1", "h2"], dtype=object),
        "household_lat": np.array([27.0, 27.1]),
        "household_lon": np.array([107.0, 107.1]),
        "household_languages": np.array([1, 3], dtype=np.uint64),
        "visitor_ids": np.array(["v1"], dtype=object),
        "visitor_lat": np.array([27.0]),
        "visitor_lon": np.array([107.0]),
        "visitor_languages": np.array([2], dtype=np.uint64),
        "visitor_capacity": np.array([2], dtype=np.int32),
        "languages": ("zh", "hmn"),
    }
    base.update(override)
    return base


def test_a_valid_problem_is_frozen_and_fills_in_defaults() -> None:
    p = PairingProblem(**arrays())
    assert p.household_consent.tolist() == [True, True]
    assert p.household_current.tolist() == [-1, -1]
    with pytest.raises(ValueError, match="read-only"):
        p.household_lat[0] = 0.0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"household_lat": np.array([27.0, 91.0])}, "household_lat"),
        ({"visitor_lon": np.array([np.nan])}, "visitor_lon"),
        ({"household_ids": np.array(["h1", "h1"], dtype=object)}, "unique"),
        ({"visitor_capacity": np.array([-1], dtype=np.int32)}, "capacity"),
        ({"household_current": np.array([0, 1], dtype=np.int32)}, "household_current"),
        ({"household_languages": np.array([1, 4], dtype=np.uint64)}, "no language code"),
        ({"exclusions": np.array([[0, 5]])}, "exclusions"),
        ({"area_parent": np.array([1, 0], dtype=np.int32)}, "forest"),
    ],
)
def test_a_bad_problem_is_refused_at_construction(
    override: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PairingProblem(**arrays(**override))


def test_eligibility_needs_a_shared_language_consent_and_no_exclusion() -> None:
    b = PairingProblemBuilder()
    b.add_visitor("v", 27.0, 107.0, "hmn;zh", capacity=1)
    b.add_household("zh", 27.0, 107.0, "zh")
    b.add_household("yue", 27.0, 107.0, "yue")
    b.add_household("refused", 27.0, 107.0, "zh", consent=False)
    b.add_household("excluded", 27.0, 107.0, "zh")
    b.exclude("excluded", "v")
    p = b.build()
    assert p.eligible(np.arange(4), np.zeros(4, np.int64)).tolist() == [True, False, False, False]


def test_languages_become_bit_masks_in_order_of_first_use() -> None:
    codes, masks = encode_languages(["zh;hmn", "HMN", "", "zh"])
    assert codes == ("zh", "hmn")
    assert masks.tolist() == [3, 2, 0, 1]


@pytest.mark.parametrize(
    "bad",
    [
        {"max_km": 0},
        {"keep_km": -1},
        {"keep_km": 40},
        {"candidates": 0},
        {"balance_m": -2},
        {"balance_m": 0.4},
        {"balance_m": 100.5},
        {"max_arcs": 0},
        {"arcs_growth": 0.5},
        {"arcs_growth": float("inf")},
        {"time_limit_s": 0},
        {"time_limit_s": float("nan")},
    ],
)
def test_params_are_checked(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        PairingParams(**bad)  # type: ignore[arg-type]


def test_keep_km_not_given_is_five_or_max_km_when_that_is_smaller() -> None:
    assert PairingParams(max_km=2).keep_km == 2
    assert PairingParams(max_km=2).keep_m == 2000
    assert PairingParams(max_km=30).keep_km == 5
    assert PairingParams(max_km=2, keep_km=0).keep_km == 0
    with pytest.raises(ValueError, match="keep_km must be between 0 and max_km, not 5"):
        PairingParams(max_km=2, keep_km=5)  # given, it is checked, not lowered


def test_a_whole_balance_given_as_a_float_is_taken() -> None:
    assert PairingParams(balance_m=700.0).balance_m == 700


def test_too_many_languages_are_all_counted() -> None:
    texts = [";".join(f"l{i}" for i in range(40)), ";".join(f"m{i}" for i in range(30))]
    with pytest.raises(TooManyLanguages, match="72 distinct language codes") as caught:
        encode_languages(texts, ("zh", "hmn"))
    assert caught.value.count == 72
