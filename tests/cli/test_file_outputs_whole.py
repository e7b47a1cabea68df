"""File mode's answers are written whole or not at all: a script must never read half a
pairing or half a plan as the answer (a file size limit, a full disk)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.test_pair_file import files as pair_files
from tests.cli.test_plan_file import write
from tests.factories.limits import file_size_limit


def _left(folder: Path, name: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if name in p.name)


def test_pairs_cut_short_leave_the_earlier_answer_whole(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    out.write_text("an earlier answer\n", encoding="utf-8")
    args = [*pair_files(tmp_path), "--out", str(out), "--quiet", "--workers", "1"]
    with file_size_limit(64):
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert f"cannot write {out}" in result.output
    assert out.read_text(encoding="utf-8") == "an earlier answer\n"
    assert _left(tmp_path, "pairs.csv") == ["pairs.csv"]  # no part file beside it


def test_a_plan_cut_short_leaves_no_file(tmp_path: Path) -> None:
    visitors = write(
        tmp_path / "V.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity"],
        [[f"V{i}", 40.0, 116.0, "zh", 2] for i in range(4)],
    )
    pairs = write(
        tmp_path / "p.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[f"H{i}", f"V{i % 4}", 1000, ""] for i in range(8)],
    )
    out = tmp_path / "visits.csv"
    args = ["plan", "--pairings", str(pairs), "--visitors", str(visitors)]
    with file_size_limit(256):
        result = CliRunner().invoke(app, [*args, "--start", "2027-01-04", "--out", str(out), "-q"])
    assert result.exit_code == 1, result.output
    assert "the partial file was deleted" in result.output
    assert _left(tmp_path, "visits.csv") == []
