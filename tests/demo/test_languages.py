from __future__ import annotations

import numpy as np

from doorstep.demo.languages import GUIZHOU, PROFILES, draw_kinds
from doorstep.domain.languages import known_codes


def test_every_profile_language_is_an_iso_639_code() -> None:
    for profile in PROFILES.values():
        assert set(profile.codes) <= known_codes()


def test_points_fall_in_the_first_matching_zone() -> None:
    # Liping (Dong country), Kaili (Miao), Guiyang (the default zone).
    zone = GUIZHOU.zone_of(np.array([26.23, 26.58, 26.58]), np.array([109.13, 107.98, 106.72]))
    assert zone.tolist() == [0, 2, len(GUIZHOU.zones)]
    assert GUIZHOU.all_zones[0].mix[0][0] == "doc"


def test_villages_have_more_minority_only_speakers_than_cities() -> None:
    rng = np.random.default_rng(0)
    n = 20_000
    kinds = draw_kinds(rng, np.ones(2 * n), np.repeat(np.array([0, 2]), n))
    village, city = kinds[:n], kinds[n:]
    assert (village == 2).mean() > 5 * (city == 2).mean()


def test_shares_are_capped_when_the_intensity_is_high() -> None:
    rng = np.random.default_rng(0)
    kinds = draw_kinds(rng, np.full(10_000, 5.0), np.zeros(10_000, dtype=np.int64))
    assert 0.85 < (kinds == 2).mean() < 0.95
    assert (kinds == 0).sum() == 0
