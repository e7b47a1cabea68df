"""A file of people's data is written whole or not at all, through a link to the file."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
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


def test_a_file_closed_to_others_stays_closed_when_written_again(tmp_path: Path) -> None:
    out = tmp_path / "household.json"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    write_whole(out, lambda part: part.write_text("new\n", encoding="utf-8"))
    assert out.read_text(encoding="utf-8") == "new\n"
    assert out.stat().st_mode & 0o777 == 0o600


def test_a_pipe_is_written_as_it_is(tmp_path: Path) -> None:
    # `--out /dev/stdout | head`: /dev/stdout resolves to no path when it is a pipe.
    read, written = os.pipe()
    try:
        path = Path(f"/proc/self/fd/{written}")
        write_whole(path, lambda p: p.write_text("new\n", encoding="utf-8"))
        assert os.read(read, 100) == b"new\n"
    finally:
        os.close(read)
        os.close(written)
    assert list(tmp_path.iterdir()) == []


def test_a_write_polars_reports_as_failed_is_one_line_and_no_part(tmp_path: Path) -> None:
    out = tmp_path / "h.parquet"

    def full(part: Path) -> None:
        part.write_bytes(b"PAR1")
        raise pl.exceptions.ComputeError("parquet: No space left on device (os error 28)")

    with pytest.raises(DoorstepError) as info:
        write_whole(out, full)
    assert "No space left on device" in info.value.message
    assert "the partial file was deleted" in info.value.message
    assert list(tmp_path.iterdir()) == []
