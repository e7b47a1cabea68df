from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.engine.pairing import insert as insert_module

runner = CliRunner()

HOUSEHOLDS = """household_id,lat,lon,languages,current_visitor_id
h1,27.0000,107.0,zh,
h2,27.0090,107.0,zh;hmn,v2
h3,27.0180,107.0,hmn,
h4,27.0,107.0,yue,
h5,29.0,107.0,zh,
"""
VISITORS = """visitor_id,lat,lon,languages,capacity
v1,27.0010,107.0,zh,1
v2,27.0100,107.0,zh;hmn,1
v3,27.0200,107.0,hmn,1
"""


def files(tmp_path: Path, households: str = HOUSEHOLDS) -> list[str]:
    (tmp_path / "h.csv").write_text(households)
    (tmp_path / "v.csv").write_text(VISITORS)
    return ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]


def test_file_mode_writes_every_household_and_ends_with_a_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = runner.invoke(app, [*files(tmp_path), "--out", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["households"] == 5
    assert summary["paired"] == 3
    assert summary["unpaired"] == 2
    assert summary["certified"] is True
    assert summary["moved"] == 0
    assert set(summary) >= {"total_distance_m", "mean_distance_m", "p95_distance_m", "seconds"}
    pairs = pl.read_csv(out, schema_overrides={"visitor_id": pl.Utf8, "reason": pl.Utf8})
    assert pairs.columns == ["household_id", "visitor_id", "distance_m", "reason"]
    rows = {r["household_id"]: r for r in pairs.iter_rows(named=True)}
    assert rows["h2"]["visitor_id"] == "v2"
    assert rows["h4"]["visitor_id"] is None
    assert rows["h4"]["distance_m"] is None
    assert rows["h4"]["reason"] == "no_shared_language"
    assert rows["h5"]["reason"] == "no_visitor_within_distance"
    assert rows["h1"]["reason"] is None
    assert summary["total_distance_m"] == pairs["distance_m"].sum()


def test_explain_prints_the_chosen_visitor_and_the_alternatives(tmp_path: Path) -> None:
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--explain", "h1"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("h1: visitor v1 at ")
    assert any("v2" in ln and "not chosen: full" in ln for ln in lines[1:])


def test_explain_says_as_near_for_a_visitor_with_room_at_the_same_distance(tmp_path: Path) -> None:
    # h6 sits halfway between v4 and v5, the same whole metres from each: one is chosen.
    households = HOUSEHOLDS + "h6,26.5000,107.0,zh,\n"
    (tmp_path / "v.csv").write_text(VISITORS + "v4,26.4990,107.0,zh,1\nv5,26.5010,107.0,zh,1\n")
    (tmp_path / "h.csv").write_text(households)
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = runner.invoke(app, [*args, "--quiet", "--explain", "h6"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("h6: visitor v")
    chosen = lines[0].split()[2]
    other = {"v4": "v5", "v5": "v4"}[chosen]
    assert any(
        ln.strip().startswith(f"{other}:") and "not chosen: as near (another was chosen)" in ln
        for ln in lines[1:]
    ), lines


def test_an_unknown_household_to_explain_is_bad_input_found_before_anything_is_written(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pairs.csv"
    result = runner.invoke(
        app, [*files(tmp_path), "--quiet", "--explain", "nobody", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "--explain 'nobody' is not a household_id in" in result.output
    assert not out.exists()
    assert "{" not in result.stdout  # no summary: nothing was solved


def test_ids_are_printed_as_typed_not_read_as_markup(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text(
        "household_id,lat,lon,languages\n[/x],27,107,zh\n[red]h2,27,107,zh\n"
    )
    (tmp_path / "v.csv").write_text("visitor_id,lat,lon,languages,capacity\n[bold]v1,27,107,zh,1\n")
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    for household in ("[/x]", "[red]h2"):
        result = runner.invoke(app, [*args, "--quiet", "--workers", "1", "--explain", household])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{household}: ")
        assert "[bold]v1" in result.stdout
    unknown = runner.invoke(app, [*args, "--quiet", "--explain", "[/y]"])
    assert unknown.exit_code == 2
    assert "--explain '[/y]' is not a household_id" in unknown.output


def test_a_visitors_file_with_only_a_header_writes_every_household_unpaired(
    tmp_path: Path,
) -> None:
    (tmp_path / "h.csv").write_text(HOUSEHOLDS.replace(",v2\n", ",\n"))
    (tmp_path / "v.csv").write_text("visitor_id,lat,lon,languages,capacity\n")
    out = tmp_path / "pairs.csv"
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert set(pl.read_csv(out)["reason"]) == {"no_visitor_within_distance"}


def test_trailing_empty_lines_in_a_file_are_ignored(tmp_path: Path) -> None:
    result = runner.invoke(
        app, [*files(tmp_path, HOUSEHOLDS.replace("\n", "\r\n") + "\r\n"), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["households"] == 5


def test_a_bad_value_names_the_file_row_column_and_value(tmp_path: Path) -> None:
    result = runner.invoke(app, [*files(tmp_path, HOUSEHOLDS + "h6,27.0,207.0,zh,\n"), "--quiet"])
    assert result.exit_code == 2
    assert "h.csv: row 7, column lon (value '207.0'): longitude must be between" in result.output
    assert "v.csv" not in result.output


@pytest.mark.parametrize("where", ["folder", "under-a-file"])
def test_an_out_that_cannot_be_written_is_refused_before_solving(
    tmp_path: Path, where: str
) -> None:
    args = files(tmp_path)
    out = tmp_path if where == "folder" else tmp_path / "h.csv" / "pairs.csv"
    result = runner.invoke(app, [*args, "--quiet", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --out ")
    assert "{" not in result.stdout


def test_keep_km_defaults_to_max_km_when_that_is_smaller(tmp_path: Path) -> None:
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--workers", "1", "--max-km", "3"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[-1])["paired"] == 3


def test_an_explicit_keep_km_above_max_km_names_the_flag(tmp_path: Path) -> None:
    result = runner.invoke(app, [*files(tmp_path), "--max-km", "3", "--keep-km", "4"])
    assert result.exit_code == 2
    assert "--keep-km 4 is above --max-km 3" in result.output


def test_a_fractional_balance_is_refused_not_rounded(tmp_path: Path) -> None:
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--balance-m", "0.4"])
    assert result.exit_code == 2, result.output
    assert "--balance-m must be a whole number of metres, not 0.4" in result.output
    assert "{" not in result.stdout


def test_a_malformed_scheduler_address_is_bad_input(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--scheduler", "bogus"])
    assert result.exit_code == 2
    assert "--scheduler 'bogus' is not a scheduler address" in result.output


def test_a_scheduler_that_does_not_answer_is_one_red_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    from doorstep.cli import pair

    monkeypatch.setattr(pair, "SCHEDULER_TIMEOUT_S", 0.5)
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1, result.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in result.output


def test_a_missing_column_is_refused_with_exit_code_two(tmp_path: Path) -> None:
    result = runner.invoke(app, files(tmp_path, "household_id,lat,lon\nh1,27,107\n"))
    assert result.exit_code == 2
    assert "missing column(s) languages" in result.output


def test_a_column_in_capitals_is_named_as_the_import_names_it(tmp_path: Path) -> None:
    result = runner.invoke(app, files(tmp_path, "household_id,lat,lon,Languages\nh1,27,107,zh\n"))
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "row 1, column Languages: unknown column; column names are lower case: languages" in said


def test_a_malformed_file_is_one_short_error_naming_the_row(tmp_path: Path) -> None:
    rows = "".join(f"h{i},27.0,107.0,zh,\n" for i in range(100)).replace("h49,27.0", 'h49,"27.0')
    result = runner.invoke(app, files(tmp_path, "household_id,lat,lon,languages,x\n" + rows))
    assert result.exit_code == 2
    assert "h.csv: row 51, column lat (value '\"27.0,107.0,zh,'): unclosed quote" in result.output
    assert "h60" not in result.output and "infer_schema_length" not in result.output


def test_an_unknown_current_visitor_is_refused(tmp_path: Path) -> None:
    bad = HOUSEHOLDS.replace("zh;hmn,v2", "zh;hmn,v9")
    result = runner.invoke(app, [*files(tmp_path, bad), "--quiet"])
    assert result.exit_code == 2
    assert "row 3, column current_visitor_id (value 'v9'): not a visitor_id in" in result.output


@pytest.mark.slow
def test_a_dask_scheduler_gives_the_same_summary(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    local = runner.invoke(app, [*files(tmp_path), "--quiet", "--workers", "1"])
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = runner.invoke(
            app, [*files(tmp_path), "--quiet", "--scheduler", cluster.scheduler_address]
        )
    assert remote.exit_code == 0, remote.output
    first = json.loads(local.stdout.splitlines()[-1])
    second = json.loads(remote.stdout.splitlines()[-1])
    assert (first["paired"], first["total_distance_m"]) == (
        second["paired"],
        second["total_distance_m"],
    )


def test_a_remote_pool_pairs_its_households_beyond_the_distance_limit(tmp_path: Path) -> None:
    # h5 lives 220 km from every local visitor; r1 travels, but only to its pool's households.
    households = HOUSEHOLDS.replace("current_visitor_id\n", "current_visitor_id,remote_pool\n")
    households = households.replace("h5,29.0,107.0,zh,", "h5,29.0,107.0,zh,,far")
    households = households.replace("h4,27.0,107.0,yue,", "h4,27.0,107.0,yue,,")
    (tmp_path / "h.csv").write_text(households)
    (tmp_path / "v.csv").write_text(
        VISITORS.replace("capacity\n", "capacity,remote_pool\n").replace(",1\n", ",1,\n")
        + "r1,31.0,110.0,zh;yue,2,far\n"
    )
    out = tmp_path / "pairs.csv"
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = runner.invoke(app, [*args, "--out", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    rows = {
        r["household_id"]: r
        for r in pl.read_csv(out, schema_overrides={"visitor_id": pl.Utf8}).iter_rows(named=True)
    }
    assert rows["h5"]["visitor_id"] == "r1"
    assert rows["h5"]["distance_m"] > 300_000
    # h4 speaks yue like r1, but is not one of the pool's households.
    assert rows["h4"]["visitor_id"] is None
    assert json.loads(result.stdout.strip().splitlines()[-1])["certified"] is True


def _towns_args(tmp_path: Path) -> list[str]:
    """`doorstep pair` over two CSV files of a towns instance that one round cannot settle."""
    from tests.engine.pairing.instances import towns

    p = towns(households=600, visitors=260, seed=1, skew=1.0, spread_km=40)

    def langs(mask: int) -> str:
        return ";".join(c for i, c in enumerate(p.languages) if mask >> i & 1)

    pl.DataFrame(
        {
            "household_id": p.household_ids.tolist(),
            "lat": p.household_lat,
            "lon": p.household_lon,
            "languages": [langs(int(m)) for m in p.household_languages],
        }
    ).write_csv(tmp_path / "h.csv")
    pl.DataFrame(
        {
            "visitor_id": p.visitor_ids.tolist(),
            "lat": p.visitor_lat,
            "lon": p.visitor_lon,
            "languages": [langs(int(m)) for m in p.visitor_languages],
            "capacity": p.visitor_capacity,
        }
    ).write_csv(tmp_path / "v.csv")
    return ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]


def test_limits_keep_the_count_and_say_why_the_cost_is_not_certified(tmp_path: Path) -> None:
    args = _towns_args(tmp_path)
    summaries = []
    for limit in (
        ["--max-rounds", "1"],
        ["--max-arcs", "1"],
        ["--time-limit", "0.001"],
        ["--time-limit", "0"],  # no limit at all
    ):
        result = runner.invoke(app, [*args, "--quiet", "--workers", "1", *limit])
        assert result.exit_code == 0, result.output
        summaries.append(json.loads(result.stdout.strip().splitlines()[-1]))
    *short, full = summaries
    assert full["certified"] is True and full["stopped_by"] is None
    assert [s["stopped_by"] for s in short] == ["max_rounds", "max_arcs", "time_limit"]
    for s in short:
        # One round: the most households paired, a dearer pairing not proved least.
        assert s["certified"] is False
        assert s["paired"] == full["paired"]
        assert s["total_distance_m"] == short[0]["total_distance_m"] > full["total_distance_m"]
        # With a proved bound of the least cost, below the optimum the full run reaches.
        assert s["cost_gap"] == s["total_cost"] - s["cost_lower_bound"] > 0
        assert 0 < s["cost_lower_bound"] <= full["total_cost"]
    assert full["cost_gap"] == 0
    result = runner.invoke(app, [*args, "--quiet", "--workers", "1", "--max-rounds", "1",
                                 "--no-bound"])  # fmt: skip
    unbounded = json.loads(result.stdout.strip().splitlines()[-1])
    assert unbounded["cost_lower_bound"] is None and unbounded["cost_gap"] is None
    assert unbounded["total_cost"] == short[0]["total_cost"]


def test_help_shows_how_the_keep_km_default_follows_max_km() -> None:
    result = runner.invoke(app, ["pair", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "[default: 5, or --max-km when that is smaller]" in result.output


# v_near is full with h_old, who lives halfway to v_far; the newcomer lives at v_near's door.
CHAIN_HOUSEHOLDS = """household_id,lat,lon,languages,current_visitor_id
h_old,27.0,107.1,zh,v_near
h_new,27.0,107.001,zh,
"""
CHAIN_VISITORS = """visitor_id,lat,lon,languages,capacity
v_near,27.0,107.0,zh,1
v_far,27.0,107.2,zh,1
"""


def new_only(tmp_path: Path, *options: str) -> tuple[dict[str, Any], dict[str, str | None]]:
    (tmp_path / "h.csv").write_text(CHAIN_HOUSEHOLDS)
    (tmp_path / "v.csv").write_text(CHAIN_VISITORS)
    out = tmp_path / "pairs.csv"
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = runner.invoke(app, [*args, "--out", str(out), "--new-only", "--quiet", *options])
    assert result.exit_code == 0, result.output
    pairs = pl.read_csv(out, schema_overrides={"visitor_id": pl.Utf8, "reason": pl.Utf8})
    visitor = {r["household_id"]: r["visitor_id"] for r in pairs.iter_rows(named=True)}
    return json.loads(result.stdout.strip().splitlines()[-1]), visitor


def test_new_only_moves_an_existing_household_along_a_chain_when_continuity_allows(
    tmp_path: Path,
) -> None:
    # Moving h_old to v_far adds no metres, so with --keep-km 0 the move is free and h_new
    # gets v_near next door; at 25 km a move costs more than h_new's 20 km to v_far.
    summary, visitor = new_only(tmp_path, "--keep-km", "0")
    assert visitor == {"h_old": "v_far", "h_new": "v_near"}
    assert (summary["mode"], summary["new"], summary["paired"], summary["moved"]) == (
        "new_only",
        1,
        2,
        1,
    )
    assert summary["exact"] is True and summary["certified"] is False
    summary, visitor = new_only(tmp_path, "--keep-km", "25")
    assert visitor == {"h_old": "v_near", "h_new": "v_far"}
    assert summary["moved"] == 0
    assert set(summary) >= {
        "households",
        "unpaired",
        "total_distance_m",
        "mean_distance_m",
        "p95_distance_m",
        "seconds",
    }


def test_new_only_says_when_choosing_who_is_left_out_was_given_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insert_module, "_CHOICE_FACTOR", 0.0)
    monkeypatch.setattr(insert_module, "_CHOICE_ALLOWANCE_S", 0.0)
    (tmp_path / "h.csv").write_text(CHAIN_HOUSEHOLDS + "h_other,27.0,107.19,zh,\n")
    (tmp_path / "v.csv").write_text(CHAIN_VISITORS)
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "pairs.csv"), "--new-only"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["new_paired"], summary["chosen"], summary["exact"]) == (1, False, False)
    assert "as choosing the cheapest set was given up for its cost" in result.stderr


def test_new_only_with_a_shortage_says_how_many_were_paired(
    tmp_path: Path,
) -> None:
    # Two new households, one free place (v_far): one of them stays unpaired.
    households = CHAIN_HOUSEHOLDS + "h_other,27.0,107.19,zh,\n"
    (tmp_path / "h.csv").write_text(households)
    (tmp_path / "v.csv").write_text(CHAIN_VISITORS)
    args = ["pair", "--households", str(tmp_path / "h.csv"), "--visitors", str(tmp_path / "v.csv")]
    args += ["--out", str(tmp_path / "pairs.csv"), "--new-only"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["new"], summary["new_paired"]) == (2, 1)
    assert "Paired 1 of 2 new households, the most possible;" in result.stderr
    assert "one that costs least. The others are unpaired, each with its reason." in result.stderr
    assert summary["chosen"] is True
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert "new households" not in quiet.stderr
    (tmp_path / "h.csv").write_text(CHAIN_HOUSEHOLDS)  # one new household, one free place
    every = runner.invoke(app, args)
    assert every.exit_code == 0, every.output
    assert "new households" not in every.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--new-only", "--balance-m", "100"], "--balance-m does not apply with --new-only"),
        (["--new-only", "--time-limit", "5"], "--time-limit does not apply with --new-only"),
        (["--max-settled", "10"], "--max-settled only applies with --new-only"),
    ],
    ids=["balance", "time-limit", "max-settled-alone"],
)
def test_options_that_do_not_go_with_new_only_are_one_red_line(
    tmp_path: Path, options: list[str], message: str
) -> None:
    out = tmp_path / "pairs.csv"
    result = runner.invoke(app, [*files(tmp_path), "--out", str(out), "--quiet", *options])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_stopped_run_says_in_words_what_it_proves_and_which_option_lets_it_go_on(
    tmp_path: Path,
) -> None:
    args = _towns_args(tmp_path)
    stopped = runner.invoke(app, [*args, "--workers", "1", "--max-rounds", "1"])
    assert stopped.exit_code == 0, stopped.output
    summary = json.loads(stopped.stdout.strip().splitlines()[-1])
    assert summary["certified"] is False
    assert "stopped by max_rounds" in stopped.stderr
    assert "% above the least" in stopped.stderr and "raise --max-rounds" in stopped.stderr
    assert f"({summary['paired']:,})" in stopped.stderr
    quiet = runner.invoke(app, [*args, "--workers", "1", "--max-rounds", "1", "--quiet"])
    assert "Certified optimal" not in quiet.stderr
    full = runner.invoke(app, [*args, "--workers", "1"])
    assert json.loads(full.stdout.strip().splitlines()[-1])["certified"] is True
    assert "Certified optimal" not in full.stderr


def test_a_stray_quote_in_a_header_name_is_refused_not_read_as_no_households(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, files(tmp_path, HOUSEHOLDS.replace("current_visitor_id", 'no"te')))
    assert result.exit_code == 2
    assert 'h.csv: row 1, column no"te: a quote inside a column name that is not quoted' in (
        result.output
    )


def test_new_only_without_a_current_visitor_column_warns_that_every_household_is_new(
    tmp_path: Path,
) -> None:
    without = "\n".join(line.rsplit(",", 1)[0] for line in HOUSEHOLDS.splitlines()) + "\n"
    args = files(tmp_path, without)
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "pairs.csv"), "--new-only"])
    assert result.exit_code == 0, result.output
    assert "h.csv has no current_visitor_id column: every household is new" in result.stderr
    with_column = runner.invoke(app, [*files(tmp_path), "--new-only"])
    assert with_column.exit_code == 0, with_column.output
    assert "current_visitor_id" not in with_column.stderr


def test_language_codes_that_are_not_iso_639_are_named_in_a_warning(tmp_path: Path) -> None:
    # Paired by as they are (en-US shares nothing with en), so a household unpaired for
    # want of a shared language is told why it may be.
    spelt = HOUSEHOLDS + "h6,27.0,107.0,en-US,\nh7,27.0,107.0,zh;xx9,\n"
    result = runner.invoke(app, [*files(tmp_path, spelt), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "warning: language codes that are not ISO 639: en-us, xx9;" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["households"] == 7
    plain = runner.invoke(app, [*files(tmp_path), "--quiet", "--workers", "1"])
    assert plain.exit_code == 0, plain.output
    assert "warning" not in plain.stderr


def test_more_workers_than_cores_solve_with_the_cores_and_say_so(tmp_path: Path) -> None:
    many = str((os.cpu_count() or 1) + 1000)
    result = runner.invoke(app, [*files(tmp_path), "--quiet", "--workers", many])
    assert result.exit_code == 0, result.output
    assert f"warning: --workers {many} is more than this machine's" in result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["paired"] == 3
