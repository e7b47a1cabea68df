"""`doorstep report` at the command line: its table, its files read back, its chart, and
its refusals, on SQLite and PostgreSQL (the programme: :mod:`tests.factories.report`)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from rich.cells import cell_len
from sqlalchemy import Engine

from tests.cli.conftest import Invoke, doorstep_at
from tests.factories.prebuilt import Prebuilt
from tests.factories.report import TODAY, small_programme_copied

PERIOD = ("--from", "2026-01-01", "--to", "2026-03-31", "--today", TODAY.isoformat())


@pytest.fixture
def programme(engine: Engine, tmp_path: Path, prebuilt: Prebuilt) -> None:
    small_programme_copied(engine, tmp_path, prebuilt)


def test_the_table_shows_each_village_then_the_county(
    cli: Invoke, programme: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = cli("report", "--area", "R-C", *PERIOD)
    assert result.exit_code == 0, result.output
    assert "County (R-C), 2026-01-01 to 2026-03-31" in result.output
    rows = [ln.split() for ln in result.output.splitlines() if ln.strip().startswith("R-C")]
    assert rows == [
        ["R-C-V1", "4", "3", "3", "1", "3", "1", "1", "67%", "3", "0", "2"],
        ["R-C-V2", "2", "1", "1", "1", "1", "0", "1", "0%", "0", "1", "0"],
        ["R-C", "6", "4", "4", "2", "4", "1", "2", "50%", "3", "1", "2"],
    ]
    # The referrals of the period, under their own table: three made, H1's completed.
    referred = result.output.split("Referrals (the whole area, the whole period)")[1]
    figures = [ln.replace("│", " ").split() for ln in referred.splitlines()]
    assert [f for f in figures if f and f[0].isdigit()] == [["3", "1"]]


def test_quiet_prints_the_same_report(cli: Invoke, programme: None) -> None:
    # No bar where stderr is no terminal either way; --quiet is accepted and changes nothing.
    plain, quiet = (
        cli("report", "--area", "R-C", *PERIOD),
        cli("report", "--quiet", "--area", "R-C", *PERIOD),
    )
    assert plain.exit_code == quiet.exit_code == 0, quiet.output
    assert quiet.output == plain.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_the_file_reads_back_with_every_figure(
    cli: Invoke, programme: None, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"report{suffix}"
    result = cli("report", "--area", "R-C", *PERIOD, "--by", "area-month", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote 9 rows to {out}." in result.output
    read = {".csv": pl.read_csv, ".xlsx": pl.read_excel, ".parquet": pl.read_parquet}[suffix]
    got = read(out)
    assert got.columns[:3] == ["area_code", "area_name", "month"]
    march = got.filter(pl.col("area_code") == "R-C", pl.col("month") == "2026-03").row(
        0, named=True
    )
    assert march["area_name"] == "County"
    assert (march["paired"], march["within_cadence"], march["visits_made"]) == (4, 2, 1)
    assert march["within_cadence_share"] == pytest.approx(0.5)
    january = got.filter(pl.col("area_code") == "R-C-V1", pl.col("month") == "2026-01")
    assert january["activity_training"].to_list() == [1]
    assert january["outcome_referral_made"].to_list() == [1]
    february = got.filter(pl.col("area_code") == "R-C", pl.col("month") == "2026-02")
    assert february.select("referrals_made", "referrals_completed").rows() == [(1, 1)]


def test_by_month_the_file_has_the_whole_areas_months(
    cli: Invoke, programme: None, tmp_path: Path
) -> None:
    out = tmp_path / "months.csv"
    assert (
        cli("report", "--area", "R-C", *PERIOD, "--by", "month", "--out", str(out)).exit_code == 0
    )
    got = pl.read_csv(out)
    assert got["month"].to_list() == ["2026-01", "2026-02", "2026-03"]
    assert got["visits_made"].to_list() == [1, 1, 1]
    assert got["visits_missed"].to_list() == [0, 1, 0]
    assert "area_code" not in got.columns


def test_the_chart_is_a_png(cli: Invoke, programme: None, tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "visits.png"
    result = cli("report", "--area", "R-C", *PERIOD, "--chart", str(chart))
    assert result.exit_code == 0, result.output
    data = chart.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 1000
    assert not [p for p in chart.parent.iterdir() if p.name.endswith(".part")]
    assert "its bars are empty" not in result.output
    # A period without a visit made or missed: its months at zero, and said so.
    empty = tmp_path / "empty.png"
    none = cli("report", "--area", "R-C", "--from", "2001-01-01", "--to", "2001-03-31",
               "--chart", str(empty))  # fmt: skip
    assert none.exit_code == 0, none.output
    said = " ".join(none.output.split())
    assert f"in {empty}. No visit was made or missed: its bars are empty." in said
    assert empty.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (("--area", "NOPE"), 1, "error: no area with code 'NOPE'"),
        (("--from", "2026-02-30"), 2, "error: --from is not a date (YYYY-MM-DD): '2026-02-30'"),
        (("--to", "2026-04-16"), 2, "error: --to 2026-04-16 is after today (2026-04-15): "),
        (("--from", "2026-03-01", "--to", "2026-02-01"), 2, "error: --from 2026-03-01 is after"),
        (("--level", "hamlet"), 2, "error: no area at level 'hamlet' in R; its levels are: "),
        (("--out", "report.txt"), 2, "error: --out report.txt: use a .csv, .xlsx or .parquet"),
        (("--chart", "chart.svg"), 2, "error: --chart chart.svg: use a .png file"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    cli: Invoke,
    programme: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    code: int,
    line: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.iterdir())
    result = cli("report", "--today", TODAY.isoformat(), *args)
    assert result.exit_code == code
    assert result.output.startswith(line), result.output
    assert len(result.output.strip().splitlines()) == 1
    assert sorted(tmp_path.iterdir()) == before


def test_the_table_has_no_empty_edges_so_a_county_fits_80_columns(
    programme: None, db_url: str
) -> None:
    # A blank column at each edge made the village demo's report 81 columns wide (a
    # county's 82), so an 80-column terminal folded every row; without them both fit.
    shown = doorstep_at(80, db_url, "report", "--area", "R-C", *PERIOD, "--quiet")
    rows = [line for line in shown.splitlines() if "R-C-V" in line]
    assert len(rows) == 2 and all(line.startswith("R-C-V") for line in rows), shown
    assert max(cell_len(line) for line in shown.splitlines()) <= 80, shown
