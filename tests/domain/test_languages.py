"""Language codes as files give them: one code per language, whichever standard was used."""

from __future__ import annotations

from doorstep.domain.languages import parse_languages, unknown_codes


def test_a_three_letter_code_with_a_two_letter_one_is_written_with_it() -> None:
    assert parse_languages("ZH; zh ;zho") == ("zh",)
    assert parse_languages("hmn;eng;zho") == ("hmn", "en", "zh")  # hmn has no two-letter code


def test_unknown_codes_are_still_named() -> None:
    assert unknown_codes(parse_languages("zh;xx;qqq")) == ["xx", "qqq"]
