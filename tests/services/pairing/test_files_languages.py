"""File-mode pairing: languages run together with another separator than ';' are bad input.

Read as one code, ``zh,en`` would match no visitor and the household would be unpaired as
``no_shared_language``, a reason that hides the typo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.errors import InvalidInput
from doorstep.services.pairing.files import read_problem
from tests.factories.pair_files import pair_files

HOUSEHOLDS = "household_id,lat,lon,languages\nh1,27.0,107.0,zh\n"
VISITORS = "visitor_id,lat,lon,languages,capacity\nv1,27.0,107.0,zh;en,1\n"


def write(
    tmp_path: Path, households: str = HOUSEHOLDS, visitors: str = VISITORS
) -> tuple[Path, Path]:
    return pair_files(tmp_path, households, visitors)


@pytest.mark.parametrize(
    ("cell", "separator"),
    [('"zh,en"', "','"), ('"zh, en"', "','"), ("zh en", "' '"), ("zh/en", "'/'"), ("zh|en", "'|'")],
)
def test_another_separator_inside_a_household_languages_cell_is_refused(
    tmp_path: Path, cell: str, separator: str
) -> None:
    h, v = write(tmp_path, HOUSEHOLDS + f"h2,27.0,107.0,{cell}\n")
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    value = cell.strip('"')
    assert caught.value.message == (
        f"{h}: row 3, column languages (value {value!r}): separate languages with ';', "
        f"not {separator}"
    )


def test_a_visitor_is_checked_too_and_every_row_is_named(tmp_path: Path) -> None:
    h, v = write(tmp_path, visitors=VISITORS + "v2,27,107,zh en,1\nv3,27,107,zh en,1\n")
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    assert caught.value.message.splitlines()[1:] == [
        "  row 3, column languages (value 'zh en'): separate languages with ';', not ' '",
        "  row 4, column languages (value 'zh en'): separate languages with ';', not ' '",
    ]


def test_spaces_around_codes_case_a_trailing_separator_and_subtags_are_still_read(
    tmp_path: Path,
) -> None:
    h, v = write(tmp_path, HOUSEHOLDS + "h2,27,107, ZH ; en ;\nh3,27,107,zh-Hans\n")
    problem = read_problem(h, v)
    codes = problem.languages
    masks = problem.household_languages.tolist()
    assert [sorted(c for i, c in enumerate(codes) if m >> i & 1) for m in masks] == [
        ["zh"],
        ["en", "zh"],
        ["zh-hans"],
    ]


@pytest.mark.parametrize("separator", ["；", "，", "、"])
def test_a_full_width_separator_from_a_chinese_input_method_is_refused(
    tmp_path: Path, separator: str
) -> None:
    # Typed with a Chinese input method on, ';' is '；' (U+FF1B): read as one code, the
    # household was unpaired as no_shared_language, without a word about the typo.
    h, v = write(tmp_path, HOUSEHOLDS + f"h2,27.0,107.0,zh{separator}en\n")
    with pytest.raises(InvalidInput) as caught:
        read_problem(h, v)
    assert caught.value.message == (
        f"{h}: row 3, column languages (value 'zh{separator}en'): separate languages with "
        f"';', not '{separator}'"
    )
