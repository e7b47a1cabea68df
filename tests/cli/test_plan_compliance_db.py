"""``plan --area CODE --compliance FILE``: the pairings whose cadence the plan does not
meet, as a file, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from doorstep.services import planning_unmet
from doorstep.services.outfile import write_whole
from tests.cli.conftest import Invoke
from tests.factories.audit import last_event_id, trail
from tests.factories.visits import PLAN_START, on_leave, two_by_two

START = dt.date.fromisoformat(PLAN_START)
HEADER = "household_id,visitor_id,visits,longest_gap_days,gap_from,gap_to,reason,failed_rules"
#: Ids as typed: one a spreadsheet would run as a formula, one that looks like Rich markup.
HOUSEHOLDS = ("=H0", "[red]H1", "H2", "H3")


@pytest.fixture
def v1_away(with_areas: Engine, tmp_path: Path) -> Engine:
    """=H0 and [red]H1 with V1, on leave for the first 80 days of a 3-month plan (the
    cadence is 60 days); H2 and H3 with V2, who is not."""
    two_by_two(with_areas, tmp_path, start=START, households=HOUSEHOLDS)
    on_leave(with_areas, "V1", START, START + dt.timedelta(days=79))
    return with_areas


def _plan(cli: Invoke, *options: str) -> tuple[int, str, str]:
    result = cli("plan", "--area", "R", "--start", PLAN_START, "--months", "3", *options)
    return result.exit_code, result.stdout, result.output


def _not_met(stdout: str) -> dict[str, int]:
    """The summary table's counts of pairings by the reason their cadence is not met."""
    counts = {}
    for line in stdout.splitlines():
        if "not met: " in line:
            label, n = (c.strip() for c in line.split("│")[1:3])
            counts[label.removeprefix("not met: ").replace(" ", "_")] = int(n.replace(",", ""))
    return counts


def _planned(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM visits")).scalar_one())


def test_the_file_lists_exactly_the_pairings_the_summary_counts_as_not_met(
    cli: Invoke, v1_away: Engine, tmp_path: Path
) -> None:
    unmet = tmp_path / "lists" / "unmet.csv"  # a missing folder is made
    code, stdout, output = _plan(cli, "--compliance", str(unmet))
    assert code == 0, output
    lines = unmet.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER  # file mode's columns
    rows = pl.read_csv(unmet, infer_schema_length=0)
    # Named as export writes them: the formula-like id behind an apostrophe.
    assert rows.select("household_id", "visitor_id").rows() == [("'=H0", "V1"), ("[red]H1", "V1")]
    assert dict(rows["reason"].value_counts().iter_rows()) == _not_met(stdout) == {"leave": 2}
    summary = json.loads(stdout.splitlines()[-1])
    assert summary["pairings"] - summary["compliant_pairings"] == rows.height
    assert (rows["longest_gap_days"].cast(pl.Int64) > 60).all()
    assert all(dt.date.fromisoformat(d) >= START - dt.timedelta(days=60) for d in rows["gap_from"])
    assert f"Wrote 2 pairings whose cadence is not met to {unmet}." in stdout
    assert _planned(v1_away) > 0  # the plan is stored as without the option


def test_reading_the_list_is_in_the_trail_for_each_household_and_visitor_named(
    cli: Invoke, v1_away: Engine, tmp_path: Path
) -> None:
    after = last_event_id(v1_away)
    code, _, output = _plan(cli, "--compliance", str(tmp_path / "unmet.csv"), "--quiet")
    assert code == 0, output
    events = trail(v1_away, after)
    assert events[0][:2] == ("create", "visit_plan")  # the plan's own events first
    named = {"list": "compliance", "file": "unmet.csv"}
    reads = [e for e in events if e[0] == "read"]
    assert reads == [
        ("read", "visits", None, {**named, "area": "R", "start": PLAN_START, "rows": 2}),
        ("read", "household", "=H0", named),
        ("read", "household", "[red]H1", named),
        ("read", "visitor", "V1", named),
    ]
    # A plan without the option reads no list.
    again = last_event_id(v1_away)
    assert _plan(cli, "--quiet")[0] == 0
    assert not [e for e in trail(v1_away, again) if e[0] == "read"]


def test_xlsx_and_parquet_are_chosen_by_the_suffix(
    cli: Invoke, v1_away: Engine, tmp_path: Path
) -> None:
    parquet, xlsx = tmp_path / "unmet.parquet", tmp_path / "unmet.xlsx"
    assert _plan(cli, "--compliance", str(parquet), "-q")[0] == 0
    frame = pl.read_parquet(parquet)
    assert frame.schema == pl.Schema(planning_unmet.SCHEMA)  # days as days, counts as counts
    assert frame["household_id"].to_list() == ["=H0", "[red]H1"]  # Parquet runs no formula
    assert _plan(cli, "--compliance", str(xlsx), "-q")[0] == 0
    sheet = load_workbook(xlsx, read_only=True).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert ",".join(str(c) for c in cells[0]) == HEADER
    assert [r[:2] for r in cells[1:]] == [("'=H0", "V1"), ("[red]H1", "V1")]


def test_a_plan_that_meets_every_cadence_writes_the_header_and_says_so(
    cli: Invoke, with_areas: Engine, tmp_path: Path
) -> None:
    two_by_two(with_areas, tmp_path, start=START)
    unmet = tmp_path / "unmet.csv"
    code, stdout, output = _plan(cli, "--compliance", str(unmet), "-q")
    assert code == 0, output
    assert unmet.read_text(encoding="utf-8").splitlines() == [HEADER]
    said = [ln for ln in stdout.splitlines() if str(unmet) in ln]
    assert said == [f"Every pairing meets its cadence: wrote only the header to {unmet}."]
    assert json.loads(stdout.splitlines()[-1])["compliant_pairings"] == 4


def test_a_bad_path_is_refused_before_anything_is_planned(
    cli: Invoke, v1_away: Engine, tmp_path: Path
) -> None:
    a_file = tmp_path / "a.csv"
    a_file.write_text("x\n")
    refusals = {
        str(tmp_path): "is a folder; give a file name, e.g.",
        str(tmp_path / "unmet.txt"): "use a .csv, .xlsx or .parquet file",
        str(tmp_path / "unmet"): "use a .csv, .xlsx or .parquet file",
        str(a_file / "unmet.csv"): "--compliance",
    }
    after = last_event_id(v1_away)
    for path, message in refusals.items():
        code, _, output = _plan(cli, "--compliance", path, "-q")
        assert code == 2, (path, output)
        lines = output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), output
        assert message in lines[0], (path, output)
    assert _planned(v1_away) == 0  # no visits written
    assert trail(v1_away, after) == []  # nor anything read
    assert a_file.read_text() == "x\n"


def _full_disk(part: Path) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_file_that_cannot_be_written_leaves_the_plan_stored_and_says_so(
    cli: Invoke, v1_away: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        planning_unmet,
        "write_table",
        lambda frame, path, sheet, *, note="": write_whole(path, _full_disk, note=note),
    )
    unmet = tmp_path / "unmet.csv"
    after = last_event_id(v1_away)
    code, _, output = _plan(cli, "--compliance", str(unmet), "-q")
    assert code == 1
    assert f"cannot write {unmet}: {os.strerror(errno.ENOSPC)}" in output
    assert "(the plan is stored; the audit trail records the list as failed)" in output
    assert not unmet.exists() and not list(tmp_path.glob(".unmet.csv.*"))
    assert _planned(v1_away) > 0
    events = trail(v1_away, after)
    assert events[0][:2] == ("create", "visit_plan")
    assert "outcome" not in events[0][3]  # the plan itself was done
    last = events[-1]
    assert last[:2] == ("read", "visits")
    assert last[3]["outcome"] == "failed"
    assert last[3]["file"] == "unmet.csv" and last[3]["list"] == "compliance"
