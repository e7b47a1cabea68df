from __future__ import annotations

import numpy as np
import pytest

from doorstep.demo.places import chinese_name, load_region, resolve_region


def test_the_default_region_is_guizhou_with_its_iso_code() -> None:
    places = load_region("CN")
    assert places.admin1 == "18"
    assert places.name == "Guizhou Sheng"
    assert places.code == "GZ"


def test_guizhou_places_lie_in_guizhou_and_include_its_capital() -> None:
    places = load_region("CN", "18")
    assert len(places) > 200
    assert np.all((places.lat > 24.3) & (places.lat < 29.4))
    assert np.all((places.lon > 103.5) & (places.lon < 109.7))
    largest = int(np.argmax(places.population))
    assert places.names[largest] == "Guiyang"
    assert places.names_zh[largest] == "贵阳"


def test_a_region_can_be_named_instead_of_coded() -> None:
    assert resolve_region("CN", "Guizhou") == "18"
    assert resolve_region("CN", "guizhou sheng") == "18"
    assert resolve_region("CN", "29") == "29"


def test_an_unknown_country_lists_the_valid_choices() -> None:
    with pytest.raises(ValueError, match="valid choices: CN"):
        load_region("XX")


def test_an_unknown_region_lists_the_valid_choices() -> None:
    with pytest.raises(ValueError, match=r"valid choices: .*18 \(Guizhou Sheng\)"):
        load_region("CN", "Atlantis")


def test_the_chinese_name_is_the_bare_simplified_form() -> None:
    assert chinese_name(["Guiyang", "貴陽", "貴陽市", "贵阳", "贵阳市"]) == "贵阳"
    assert chinese_name(["务旮", "长坪", "长坪乡"]) == "长坪"
    assert chinese_name(["凯里市"]) == "凯里"
    assert chinese_name(["Kaili"]) == ""
