"""Ids on the command line and in file mode's files are one id however Unicode spells
them (NFC or NFD), as an import's are."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.cli.main import app
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import (
    HOUSEHOLD_HEADER,
    VISITOR_HEADER,
    household,
    visitor,
    write_csv,
)

NFC = unicodedata.normalize("NFC", "CAFÉ-1")
NFD = unicodedata.normalize("NFD", "CAFÉ-1")
VISITOR_NFC = unicodedata.normalize("NFC", "VÉ")
VISITOR_NFD = unicodedata.normalize("NFD", "VÉ")


def test_a_household_imported_in_one_spelling_is_found_in_the_other(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id=NFC)])
    run_import(with_areas, "households", path)
    result = cli("household", "export", NFD)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["household"] == NFC


def test_pair_exclude_and_unexclude_find_both_people_in_the_other_spelling(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, [household(household_id=NFC)])
    run_import(with_areas, "households", path)
    path = write_csv(tmp_path / "v.csv", VISITOR_HEADER, [visitor(visitor_id=VISITOR_NFC)])
    run_import(with_areas, "visitors", path)
    result = cli("pair", "exclude", NFD, VISITOR_NFD, "--reason", "test")
    assert result.exit_code == 0, result.output
    assert f"Excluded: {NFC} will not be paired with {VISITOR_NFC}" in result.output
    exported = json.loads(cli("household", "export", NFC).output)["records"]["exclusions"]
    assert [e["reason"] for e in exported] == ["test"]
    result = cli("pair", "unexclude", NFD, VISITOR_NFD)
    assert result.exit_code == 0, result.output
    assert "exclusions" not in json.loads(cli("household", "export", NFC).output)["records"]


def test_pair_file_mode_reads_a_current_visitor_in_the_other_spelling(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(
        f"household_id,lat,lon,languages,current_visitor_id\n{NFD},27.0,107.0,zh,{VISITOR_NFD}\n",
        encoding="utf-8",
    )
    (tmp_path / "v.csv").write_text(
        f"visitor_id,lat,lon,languages,capacity\n{VISITOR_NFC},27.001,107.0,zh,1\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = CliRunner().invoke(
        app, [*args, "--explain", NFC, "--out", str(out), "--quiet", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["paired"], summary["moved"]) == (1, 0)  # kept with its current visitor
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith(f"{NFC},{VISITOR_NFC},")


def test_plan_file_mode_finds_a_pairings_visitor_spelt_otherwise_in_the_visitors_file(
    tmp_path: Path,
) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        f"household_id,visitor_id,distance_m,reason\n{NFD},{VISITOR_NFD},1000,\n",
        encoding="utf-8",
    )
    visitors = tmp_path / "v.csv"
    visitors.write_text(
        f"visitor_id,lat,lon,languages,capacity\n{VISITOR_NFC},40.0,116.0,zh,2\n",
        encoding="utf-8",
    )
    out = tmp_path / "visits.csv"
    args = ["plan", "--pairings", str(pairs), "--visitors", str(visitors)]
    result = CliRunner().invoke(
        app, [*args, "--start", "2027-01-01", "--months", "3", "--out", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()[1:]
    assert rows and all(r.startswith(f"{NFC},{VISITOR_NFC},") for r in rows)
