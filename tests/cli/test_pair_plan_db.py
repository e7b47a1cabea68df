"""Database-mode pairing and planning at the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Engine, text

from doorstep.cli.pair_db import certified_text
from tests.cli.conftest import Invoke
from tests.factories.db import run_import
from tests.factories.files import HOUSEHOLD_HEADER, VISITOR_HEADER, household, visitor, write_csv
from tests.factories.visits import PLAN_START


def test_a_village_is_paired_reviewed_committed_planned_and_listed(
    cli: Invoke, engine: Engine
) -> None:
    assert cli("demo", "--preset", "village", "--quiet").exit_code == 0
    with engine.connect() as conn:
        root = conn.execute(text("SELECT code FROM areas WHERE depth = 0")).scalar_one()
        consenting = conn.execute(
            text("SELECT COUNT(*) FROM households WHERE consent_state = 'given'")
        ).scalar_one()

    proposed = cli("pair", "--area", root, "--quiet")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.output.strip().splitlines()[-1])
    assert summary["paired"] == consenting
    assert summary["certified"] is True
    pid = summary["proposal"]

    diff = cli("pair", "diff", str(pid), "--limit", "0")
    assert diff.exit_code == 0
    assert f"Households whose pairing would change: {consenting}" in diff.output

    household = cli("pair", "show", str(pid))
    assert household.exit_code == 0
    assert "Certified optimal" in household.output

    committed = cli("pair", "commit", str(pid))
    assert committed.exit_code == 0, committed.output
    again = cli("pair", "commit", str(pid))
    assert again.exit_code == 1
    assert "is committed; only an open one commits" in again.output

    with engine.connect() as conn:
        hid = conn.execute(
            text(
                "SELECT h.external_id FROM pairings p JOIN households h ON h.id = p.household_id "
                "ORDER BY p.id LIMIT 1"
            )
        ).scalar_one()
    explained = cli("pair", "explain", hid)
    assert explained.exit_code == 0, explained.output
    assert f"Household {hid}: visitor" in explained.output

    planned = cli("plan", "--area", root, "--start", PLAN_START, "--months", "6", "--quiet")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.output.strip().splitlines()[-1])
    assert plan["pairings"] == consenting
    assert plan["compliant_pairings"] == consenting
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT COUNT(*) FROM visits WHERE status = 'planned'")
        ).scalar_one()
    assert stored == plan["visits"]

    upcoming = cli("visits", "upcoming", "--today", PLAN_START, "--days", "200", "--format", "json")
    assert upcoming.exit_code == 0
    assert len(json.loads(upcoming.output)) == plan["visits"]


def test_an_unknown_area_is_one_red_line(cli: Invoke) -> None:
    result = cli("pair", "--area", "NOWHERE")
    assert result.exit_code == 1
    assert "no area with code 'NOWHERE'" in result.output


def test_an_area_asked_of_a_database_without_areas_names_the_database(
    cli: Invoke, db_url: str
) -> None:
    # A relative SQLite path run from another folder opens a new, empty database: the
    # error says which one was opened.
    for args in (("pair", "--area", "NOWHERE"), ("plan", "--area", "NOWHERE")):
        result = cli(*args)
        assert result.exit_code == 1
        said = "".join(result.output.split())
        assert "noareawithcode'NOWHERE'(thedatabase" in said
        assert "holdsnoareas" in said
        if db_url.startswith("sqlite"):
            assert str(Path(db_url.removeprefix("sqlite:///")).resolve()) in said
        else:
            assert "postgresql" in said


def test_an_unknown_area_of_a_database_with_areas_is_only_that(
    cli: Invoke, with_areas: Engine
) -> None:
    result = cli("pair", "--area", "NOWHERE")
    assert result.exit_code == 1
    assert "no area with code 'NOWHERE'" in result.output
    assert "holds no areas" not in result.output


def test_a_stopped_proposal_says_which_limit_and_how_far_from_the_least_cost() -> None:
    assert certified_text({"certified": True}) == "yes"
    stopped = {"certified": False, "stopped_by": "max_arcs", "total_cost": 1050, "cost_gap": 50}
    assert certified_text(stopped) == (
        "NO (stopped by max_arcs; cost at most 5.00 % above the least)"
    )
    unknown = {"certified": False, "stopped_by": "time_limit", "total_cost": 900, "cost_gap": None}
    assert certified_text(unknown) == "NO (stopped by time_limit)"


def test_a_new_only_proposal_says_why_it_is_not_exact() -> None:
    new_only = {"certified": False, "mode": "new_only", "exact": False, "cut": 0}
    assert certified_text({**new_only, "chosen": False}) == (
        "no (new households only; NOT exact: which to leave out not proved least-cost)"
    )
    assert certified_text({**new_only, "cut": 2, "chosen": True}) == (
        "no (new households only; NOT exact: searches cut by --max-settled)"
    )


def _markup_village(engine: Engine, tmp_path: Path) -> None:
    """Households whose ids look like Rich markup, and one visitor for two of the three."""
    hh = [
        household(household_id="[/x]"),
        household(household_id="[red]H2", lat=26.581),
        household(household_id="H3", lat=26.582),
    ]
    vv = [visitor(visitor_id="[bold]V1", capacity=2)]
    run_import(engine, "visitors", write_csv(tmp_path / "v.csv", VISITOR_HEADER, vv))
    run_import(engine, "households", write_csv(tmp_path / "h.csv", HOUSEHOLD_HEADER, hh))


def test_ids_print_as_typed_in_show_diff_and_explain(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    proposed = cli("pair", "--area", "R")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.stdout.strip().splitlines()[-1])
    # The file-mode summary: reasons included, distances rounded to 0.1 m.
    assert summary["unpaired_reasons"] == {"all_eligible_visitors_full": 1}
    assert summary["mean_distance_m"] == round(summary["mean_distance_m"], 1)
    pid = summary["proposal"]
    assert "all eligible visitors full" in cli("pair", "show", str(pid)).output
    diff = cli("pair", "diff", str(pid))
    assert diff.exit_code == 0, diff.output
    assert "[red]H2" in diff.output and "[bold]V1" in diff.output
    assert "not shown" not in diff.output
    short = cli("pair", "diff", str(pid), "--limit", "1")
    assert "1 more not shown; --limit 0 shows them all" in short.output
    for hid in ("[/x]", "[red]H2"):
        explained = cli("pair", "explain", hid)
        assert explained.exit_code == 0, explained.output
        assert f"Household {hid}: " in explained.output
        assert f"proposal {pid}, open" in explained.output
    unknown = cli("pair", "explain", "[/nobody]")
    assert unknown.exit_code == 1
    assert "no household with id '[/nobody]'" in unknown.output


def test_keep_km_is_capped_at_a_smaller_max_km_in_database_mode(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    assert cli("pair", "--area", "R", "--max-km", "2", "--quiet").exit_code == 0
    with with_areas.connect() as conn:
        params = conn.execute(text("SELECT params FROM pairing_proposals")).scalar_one()
    assert (json.loads(params) if isinstance(params, str) else params)["keep_km"] == 2


def test_file_mode_options_with_an_area_are_refused(cli: Invoke, tmp_path: Path) -> None:
    result = cli("pair", "--area", "R", "--out", str(tmp_path / "p.csv"), "--explain", "H1")
    assert result.exit_code == 2
    assert "--out, --explain belong to file mode" in result.output
    one = cli("pair", "--area", "R", "--out", str(tmp_path / "p.csv"))
    assert "--out belongs to file mode" in one.output


def test_a_proposal_id_too_large_to_store_is_bad_input_like_any_impossible_number(
    cli: Invoke, with_areas: Engine
) -> None:
    for command in ("show", "diff", "discard", "commit"):
        result = cli("pair", command, "99999999999999999999")
        assert result.exit_code == 2, result.output
        assert result.output.strip() == (
            "error: PROPOSAL must be a proposal number, such as 3; got '99999999999999999999'"
        )
    assert cli("pair", "diff", "1", "--limit", "-1").exit_code == 2


def test_an_area_without_households_says_so(cli: Invoke, with_areas: Engine) -> None:
    result = cli("pair", "--area", "R-C-V2")
    assert result.exit_code == 1
    assert "R-C-V2 has no households" in result.output


def test_an_explanation_after_commit_does_not_call_the_proposal_stale(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    pid = json.loads(cli("pair", "--area", "R", "--quiet").stdout.splitlines()[-1])["proposal"]
    assert cli("pair", "commit", str(pid)).exit_code == 0
    explained = cli("pair", "explain", "H3")
    assert explained.exit_code == 0, explained.output
    assert f"proposal {pid}, committed" in explained.output
    assert "changed since" not in explained.output


def test_a_new_only_proposal_is_shown_diffed_and_committed_like_any_other(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)  # [bold]V1 takes the two nearest: [/x] is left
    first = json.loads(cli("pair", "--area", "R", "--quiet").stdout.splitlines()[-1])
    assert cli("pair", "commit", str(first["proposal"])).exit_code == 0
    # V2 opens at H3's door: a full re-pairing with --keep-km 0 would move H3 to it.
    v2 = [visitor(visitor_id="V2", lat=26.582, lon=107.98, capacity=2)]
    run_import(with_areas, "visitors", write_csv(tmp_path / "v2.csv", VISITOR_HEADER, v2))
    proposed = cli("pair", "--area", "R", "--new-only", "--keep-km", "0")
    assert proposed.exit_code == 0, proposed.output
    summary = json.loads(proposed.stdout.strip().splitlines()[-1])
    assert (summary["mode"], summary["new"], summary["paired"], summary["moved"]) == (
        "new_only",
        1,
        3,
        0,
    )
    assert summary["certified"] is False and summary["new_paired"] == 1
    assert "new households, the most possible" not in proposed.stderr  # no shortage
    pid = summary["proposal"]
    shown = cli("pair", "show", str(pid))
    assert shown.exit_code == 0
    assert "no (new households only; exact)" in shown.output
    assert "New households to pair" in shown.output
    diff = cli("pair", "diff", str(pid))
    assert "Households whose pairing would change: 1" in diff.output
    assert "[/x]" in diff.output and "V2" in diff.output
    committed = cli("pair", "commit", str(pid))
    assert committed.exit_code == 0, committed.output
    assert "1 pairing started, 0 ended" in committed.output
    # Paired again with nothing changed: one line, not the headers of an empty table.
    again = cli("pair", "--area", "R", "--new-only", "--quiet")
    assert again.exit_code == 0, again.output
    none = cli("pair", "diff", str(json.loads(again.stdout.splitlines()[-1])["proposal"]))
    assert none.exit_code == 0
    assert "No household would change visitor with proposal" in none.output
    assert "reason if none" not in none.output


def test_balance_with_new_only_in_database_mode_is_one_red_line(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    result = cli("pair", "--area", "R", "--new-only", "--balance-m", "100")
    assert result.exit_code == 2
    assert "--balance-m does not apply with --new-only" in result.output


def test_file_mode_plan_options_with_an_area_are_refused(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "plan", "--area", "R", "--out", str(tmp_path / "v.csv"), "--ics-dir", str(tmp_path / "d"),
        "--compliance", str(tmp_path / "c.csv"), "--slack-days", "0",
    )  # fmt: skip
    assert result.exit_code == 2
    # --compliance is database mode's too: the refusal does not name it.
    assert "--out, --ics-dir, --slack-days belong to file mode" in result.output
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("household_id,visitor_id\n")
    result = cli("plan", "--area", "R", "--pairings", str(pairs), "--visitors", str(pairs))
    assert result.exit_code == 2
    assert "--pairings, --visitors belong to file mode" in result.output
    assert not list(tmp_path.glob("v.csv")) and not (tmp_path / "d").exists()


def test_a_database_plan_checks_its_options_before_planning(
    cli: Invoke, with_areas: Engine
) -> None:
    refusals = {
        ("--country", "XX"): "--country 'XX' is not a country with known holidays",
        ("--country", "US", "--subdivision", "ZZ"): "--subdivision 'ZZ' is not a subdivision of US",
        ("--subdivision", "CA"): "--subdivision needs --country",
        ("--start", "9999-06-01"): "--start 9999-06-01 with --months 12 runs past 9999-12-31",
        ("--start", "0001-01-01"): "--start 0001-01-01 is before today",
        ("--start", "yesterday"): "--start is not a date (YYYY-MM-DD): 'yesterday'",
        ("--seed", "-1"): "--seed",
        ("--max-gap-days", "100000000000"): "3660",
    }

    def events() -> int:
        with with_areas.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM audit_events")).scalar_one())

    before = events()
    for options, message in refusals.items():
        result = cli("plan", "--area", "R", "--quiet", *options)
        assert result.exit_code == 2, options
        assert message in result.output, options
    assert events() == before  # refused before the area was planned


def _counted(output: str, label: str) -> int:
    (line,) = [x for x in output.splitlines() if label in x]
    return int(line.split("│")[-2].strip().replace(",", ""))


def test_a_re_plan_says_how_many_visits_it_kept_added_and_removed(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    proposed = cli("pair", "--area", "R", "--quiet")
    pid = json.loads(proposed.stdout.splitlines()[-1])["proposal"]
    assert cli("pair", "commit", str(pid)).exit_code == 0
    first = cli("plan", "--area", "R", "--start", PLAN_START, "--months", "6")
    assert first.exit_code == 0, first.output
    assert (
        _counted(first.output, "newly planned")
        == json.loads(first.stdout.splitlines()[-1])["visits"]
    )
    with with_areas.connect() as conn:
        hid, withdrawn = conn.execute(
            text(
                "SELECT h.external_id, COUNT(*) FROM visits v "
                "JOIN households h ON h.id = v.household_id GROUP BY h.external_id"
            )
        ).first() or ("", 0)
    with with_areas.begin() as conn:
        conn.execute(
            text("UPDATE households SET consent_state = 'withdrawn' WHERE external_id = :h"),
            {"h": hid},
        )
    # The household withdrew: its visits are removed, and nothing is planned again for them.
    again = cli("plan", "--area", "R", "--start", PLAN_START, "--months", "6")
    assert again.exit_code == 0, again.output
    visits = json.loads(again.stdout.splitlines()[-1])["visits"]
    kept = _counted(again.output, "kept from the last plan")
    assert withdrawn > 0
    assert _counted(again.output, "Removed from the last plan") == withdrawn
    assert _counted(again.output, "newly planned") == visits - kept == 0
    # The withdrawn household's pairing is still open: said, by why, in the table and JSON.
    shown = again.output
    assert _counted(shown, "Pairings not planned") == _counted(shown, "│   no consent")
    assert json.loads(again.stdout.splitlines()[-1])["not_planned"] == {"no consent": 1}


def test_a_database_plan_from_a_day_already_past_is_refused_and_writes_nothing(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    _markup_village(with_areas, tmp_path)
    proposed = cli("pair", "--area", "R", "--quiet")
    pid = json.loads(proposed.stdout.splitlines()[-1])["proposal"]
    assert cli("pair", "commit", str(pid)).exit_code == 0
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    result = cli("plan", "--area", "R", "--start", yesterday, "--quiet")
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert f"--start {yesterday} is before today" in lines[0]
    assert "plan from today or later" in lines[0]
    with with_areas.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one() == 0
