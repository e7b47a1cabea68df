"""Ids as file names: safe anywhere, one id's alone."""

from __future__ import annotations

from doorstep.domain.ids import file_stem


def test_a_plain_id_is_its_own_file_name() -> None:
    assert file_stem("H0000042") == "H0000042"
    assert file_stem("V-1_a.b") == "V-1_a.b"


def test_an_id_a_header_or_a_file_system_could_not_hold_is_made_safe_and_kept_apart() -> None:
    cafe = file_stem("CAFÉ")
    assert cafe.isascii() and cafe.startswith("CAF_-")
    assert '"' not in file_stem('H"1') and "/" not in file_stem("../H1")
    assert file_stem("a/b") != file_stem("a_b")
    assert not file_stem("..").startswith(".")
