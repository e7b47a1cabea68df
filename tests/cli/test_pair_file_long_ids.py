"""File mode takes ids of any length (an import refuses those over 64 characters: a
database column's limit, which file mode has not), and explains them whole: each line of
``--explain`` stays one line for a script to read, however long the ids."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.factories.pair_files import pair_files

runner = CliRunner()

NEAR = "H" * 200  # paired: v is 111 m away
FAR = "F" * 200  # unpaired: 333 km away
VISITOR = "V" * 100


def _files(tmp_path: Path) -> list[str]:
    h, v = pair_files(
        tmp_path,
        f"household_id,lat,lon,languages\n{NEAR},27.001,107.0,zh\n{FAR},30.0,107.0,zh\n",
        f"visitor_id,lat,lon,languages,capacity\n{VISITOR},27.0,107.0,zh,2\n",
    )
    return ["pair", "--households", str(h), "--visitors", str(v), "-q", "--workers", "1"]


def _explained(tmp_path: Path, household: str) -> list[str]:
    result = runner.invoke(app, [*_files(tmp_path), "--explain", household])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[:-1]  # not the JSON summary


def test_a_paired_household_with_a_long_id_is_explained_in_one_line_per_visitor(
    tmp_path: Path,
) -> None:
    assert _explained(tmp_path, NEAR) == [
        f"{NEAR}: visitor {VISITOR} at 0.11 km",
        f"  No other visitor within 30 km of {NEAR}.",
    ]


def test_an_unpaired_household_with_a_long_id_is_explained_in_one_line_each(
    tmp_path: Path,
) -> None:
    assert _explained(tmp_path, FAR) == [
        f"{FAR}: unpaired (no visitor within distance)",
        f"  No visitor within 30 km of {FAR} (unpaired: no visitor within distance).",
    ]
