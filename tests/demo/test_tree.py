from __future__ import annotations

import numpy as np

from doorstep.demo.places import load_region
from doorstep.demo.tree import LEVELS, build_tree


def test_every_place_is_a_village_under_one_township_and_one_county() -> None:
    places = load_region("CN")
    tree = build_tree(places)
    frame = tree.frame()
    assert frame.filter(frame["level"] == "village").height == len(places)
    assert frame["code"].n_unique() == frame.height
    # A township's county is the county of its seat, and each village's township is in its county.
    assert np.array_equal(tree.township_county[tree.township], tree.county)


def test_parents_exist_and_sit_one_level_up() -> None:
    frame = build_tree(load_region("CN")).frame()
    level_of = dict(zip(frame["code"], frame["level"], strict=True))
    roots = frame.filter(frame["parent_code"].is_null())
    assert roots["level"].to_list() == ["region"]
    for code, parent, level in (
        frame.filter(frame["parent_code"].is_not_null())
        .select("code", "parent_code", "level")
        .iter_rows()
    ):
        assert LEVELS.index(level) == LEVELS.index(level_of[parent]) + 1
        assert code.startswith(parent + "-")


def test_codes_are_short_ascii() -> None:
    frame = build_tree(load_region("CN")).frame()
    assert all(code.isascii() and len(code) <= 16 for code in frame["code"])


def test_a_rural_county_gets_several_townships() -> None:
    tree = build_tree(load_region("CN"))
    villages_per_county = np.bincount(tree.county)
    biggest = int(np.argmax(villages_per_county))
    townships = np.unique(tree.township[tree.county == biggest])
    assert len(townships) >= villages_per_county[biggest] // 20
