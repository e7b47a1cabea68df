"""A file of people's data is written whole or not at all, through a link to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.errors import DoorstepError
from doorstep.services.outfile import write_whole


def test_a_write_that_fails_leaves_the_old_file_whole_and_no_part(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n", encoding="utf-8")

    def half(part: Path) -> None:
        part.write_text("name,address\nAnn,", encoding="utf-8")
        raise OSError(27, "File too large")

    with pytest.raises(DoorstepError) as info:
        write_whole(out, half)
    assert info.value.message == f"cannot write {out}: File too large; the partial file was deleted"
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_link_to_a_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "out.csv"
    real.parent.mkdir()
    link = tmp_path / "out.csv"
    link.symlink_to(real)
    write_whole(link, lambda part: part.write_text("new\n", encoding="utf-8"))
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in real.parent.iterdir()] == ["out.csv"]
