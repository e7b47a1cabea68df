"""``doorstep plan`` in file mode, end to end on small CSV files."""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import icalendar
import polars as pl
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from doorstep.cli.main import app
from doorstep.engine.planning import public_holidays
from doorstep.services import planning_unmet
from doorstep.services.importing.formulas import escape_text


def pair(households: Path, visitors: Path, pairs: Path) -> None:
    """``doorstep pair`` in file mode, writing ``pairs``: the file a plan is made from."""
    paired = CliRunner().invoke(
        app,
        ["pair", "--households", str(households), "--visitors", str(visitors),
         "--out", str(pairs), "--workers", "1", "-q"],
        catch_exceptions=False,
    )  # fmt: skip
    assert paired.exit_code == 0, paired.output


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    visitors = write(
        tmp_path / "V.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity", "organisation"],
        [[f"V{i}", 40.0, 116.0, "zh", 2, f"ORG{i % 2}"] for i in range(10)],
    )
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[f"H{i}", f"V{i % 10}", 1000 + 997 * i % 29_000, ""] for i in range(18)]
        + [["H99", "", "", "no visitor in reach"]],
    )
    return pairs, visitors


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["plan", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_file_mode_writes_visits_and_ends_with_a_json_summary(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "12", "--country", "CN", "--staff-cap", "0.3", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert list(summary)[:6] == [
        "pairings", "visits", "compliant_pairings", "infeasible", "max_gap_days", "seconds"
    ]  # fmt: skip
    assert summary["pairings"] == 18  # the unpaired household is skipped
    assert summary["compliant_pairings"] + summary["infeasible"] == 18
    assert summary["max_gap_days"] == 60
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["household_id", "visitor_id", "start", "end"]
    assert len(rows) == summary["visits"]
    holidays = public_holidays("CN", date(2027, 1, 1), date(2028, 1, 10))
    away: Counter[tuple[str, date]] = Counter()
    by_pair: dict[str, list[date]] = {}
    for r in rows:
        start, end = date.fromisoformat(r["start"]), date.fromisoformat(r["end"])
        assert end - start == timedelta(days=4)
        days = [start + timedelta(days=k) for k in range(5)]
        assert not holidays.intersection(days)
        org = f"ORG{int(r['visitor_id'][1:]) % 2}"
        away.update((org, d) for d in days)
        by_pair.setdefault(r["household_id"], []).append(start)
    assert max(away.values()) <= 1  # 30% of 5 staff, floored, is 1
    if summary["infeasible"] == 0:
        for starts in by_pair.values():
            points = [date(2027, 1, 1), *sorted(starts), date(2028, 1, 1)]
            assert max((b - a).days for a, b in itertools.pairwise(points)) <= 60


def test_ics_dir_gets_one_calendar_per_visitor(files: tuple[Path, Path], tmp_path: Path) -> None:
    pairs, visitors = files
    ics = tmp_path / "ics"
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "6", "--ics-dir", str(ics), "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    with out.open() as f:
        per_visitor = Counter(r["visitor_id"] for r in csv.DictReader(f))
    assert {p.stem for p in ics.glob("*.ics")} == set(per_visitor)
    for path in ics.glob("*.ics"):
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        assert len([c for c in cal.walk() if c.name == "VEVENT"]) == per_visitor[path.stem]


def test_compliance_file_lists_each_unmet_pairing_with_its_reason(tmp_path: Path) -> None:
    visitors = write(tmp_path / "V.csv", ["visitor_id", "capacity"], [["V0", 13]])
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[f"H{i}", "V0", 100, ""] for i in range(13)],
    )
    report = tmp_path / "unmet.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "2", "--max-gap-days", "58", "--compliance", str(report), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    with report.open() as f:
        unmet = list(csv.DictReader(f))
    assert len(unmet) == summary["infeasible"] >= 1
    assert {r["reason"] for r in unmet} == {"visitor_fully_booked"}


def test_the_compliance_list_is_xlsx_or_parquet_by_its_suffix_as_in_database_mode(
    tmp_path: Path,
) -> None:
    # 13 households for one visitor's 13 places, on a cadence the horizon cannot give all of
    # them: some miss it. Ids a spreadsheet would run as formulas.
    visitors = write(tmp_path / "V.csv", ["visitor_id", "capacity"], [["V0", 13]])
    ids = [f"=H{i}" for i in range(13)]
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [[escape_text(h), "V0", 100, ""] for h in ids],
    )
    base = (
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "2", "--max-gap-days", "58", "-q",
    )  # fmt: skip
    lists = {}
    for suffix in (".csv", ".xlsx", ".parquet"):
        path = tmp_path / f"unmet{suffix}"
        code, output = run(*base, "--compliance", str(path))
        assert code == 0, output
        lists[suffix] = path
    csv_rows = list(csv.DictReader(lists[".csv"].read_text().splitlines()))
    assert csv_rows and all(r["household_id"].startswith("'=H") for r in csv_rows)
    # Parquet keeps ids as they are, with the days as dates; the schema database mode writes.
    frame = pl.read_parquet(lists[".parquet"])
    assert frame.schema == pl.Schema(planning_unmet.SCHEMA)
    assert frame["household_id"].to_list() == [r["household_id"][1:] for r in csv_rows]
    assert [d.isoformat() for d in frame["gap_from"]] == [r["gap_from"] for r in csv_rows]
    # XLSX: the same rows and header, an apostrophe before the formula, as CSV has it.
    cells = list(load_workbook(lists[".xlsx"], read_only=True).worksheets[0].values)
    assert list(cells[0]) == list(planning_unmet.SCHEMA)
    assert [(str(r[0]), str(r[6])) for r in cells[1:]] == [
        (r["household_id"], r["reason"]) for r in csv_rows
    ]


def test_a_pairing_with_an_unknown_visitor_is_refused_with_one_line(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    _, visitors = files
    pairs = write(
        tmp_path / "bad.csv", ["household_id", "visitor_id", "distance_m"], [["H1", "VX", 5]]
    )
    code, _ = run("--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01")
    assert code == 2


def test_missing_options_and_bad_dates_exit_with_usage_errors(files: tuple[Path, Path]) -> None:
    pairs, _ = files
    assert run("--pairings", str(pairs))[0] == 2
    assert run("--pairings", str(pairs), "--start", "2027-13-01")[0] == 2
    assert run("--pairings", str(pairs), "--start", "2027-01-01", "--stay-days", "90")[0] == 2


def test_household_coordinates_decide_the_rest_day_between_stays(tmp_path: Path) -> None:
    # Two households, one visitor, a 10-day gap and 5-day stays: only back-to-back stays
    # keep the cadence, and they are allowed only when the homes are near.
    visitors = write(tmp_path / "V.csv", ["visitor_id", "capacity"], [["V0", 2]])
    pairs = write(
        tmp_path / "pairs.csv",
        ["household_id", "visitor_id", "distance_m", "reason"],
        [["A", "V0", 10, ""], ["B", "V0", 10, ""]],  # at most 20 m apart by the home bound
    )
    households = write(
        tmp_path / "H.csv", ["household_id", "lat", "lon"], [["A", 40.0, 116.0], ["B", 41.0, 116.0]]
    )

    def rests(*extra: str) -> list[int]:
        out = tmp_path / "visits.csv"
        code, output = run(
            "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
            "--months", "2", "--max-gap-days", "10", "--out", str(out), "-q", *extra,
        )  # fmt: skip
        assert code == 0, output
        with out.open() as f:
            stays = sorted(
                (date.fromisoformat(r["start"]), date.fromisoformat(r["end"]), r["household_id"])
                for r in csv.DictReader(f)
            )
        return [(b[0] - a[1]).days - 1 for a, b in itertools.pairwise(stays) if a[2] != b[2]]

    assert 0 in rests()  # near by the bound: back to back between the two homes
    far = rests("--households", str(households))
    assert far and min(far) >= 1  # about 111 km apart: a free day between stays


def test_the_output_of_doorstep_pair_on_a_demo_village_plans_end_to_end(tmp_path: Path) -> None:
    from doorstep.demo import generate

    households, visitors = generate(preset="village", seed=1).write_pairing_files(tmp_path)
    pairs = tmp_path / "pairs.csv"
    pair(households, visitors, pairs)
    out = tmp_path / "visits.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--country", "CN", "--staff-cap", "0.3", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    with pairs.open() as f:
        n_paired = sum(1 for r in csv.DictReader(f) if r["visitor_id"])
    assert summary["pairings"] == n_paired > 0
    with out.open() as f:
        assert sum(1 for _ in csv.DictReader(f)) == summary["visits"] > 0


def one_error(output: str) -> str:
    """The single red line of a refusal (no traceback, nothing else)."""
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def test_outputs_that_cannot_be_written_are_refused_before_anything_is_planned(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    before = pairs.read_bytes()
    good = tmp_path / "visits.csv"
    base = ("--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01")
    cases = {
        ("--out", str(pairs / "v.csv")): f"{pairs} is a file, not a folder",
        ("--out", str(tmp_path)): f"--out {tmp_path} is a folder; give a file name",
        ("--out", str(pairs)): f"--out {pairs} is one of the input files",
        ("--compliance", str(visitors)): f"--compliance {visitors} is one of the input files",
        ("--ics-dir", str(pairs)): f"--ics-dir {pairs} is a file; give a folder",
        ("--ics-dir", str(pairs / "ics")): f"{pairs} is a file, not a folder",
        ("--compliance", str(good)): "--out and --compliance are both",
        # As in database mode: a list is CSV, XLSX or Parquet by its suffix, nothing else.
        ("--compliance", str(tmp_path / "unmet.txt")): "use a .csv, .xlsx or .parquet file",
        ("--compliance", str(tmp_path / "unmet")): "use a .csv, .xlsx or .parquet file",
    }
    for option, message in cases.items():
        code, output = run(*base, "--out", str(good), *option, "-q")
        assert code == 2, output
        assert message in one_error(output)
        assert not good.exists()  # refused before planning: nothing written
    assert pairs.read_bytes() == before


def test_missing_folders_of_the_outputs_are_created(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    out, unmet = tmp_path / "new" / "v.csv", tmp_path / "other" / "deep" / "unmet.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--months", "3", "--out", str(out), "--compliance", str(unmet), "-q",
    )  # fmt: skip
    assert code == 0, output
    assert out.read_text().startswith("household_id,visitor_id,start,end")
    assert unmet.read_text().startswith("household_id,visitor_id,visits")


def test_a_negative_seed_and_numbers_of_days_past_ten_years_are_usage_errors(
    files: tuple[Path, Path],
) -> None:
    pairs, _ = files
    base = ("--pairings", str(pairs), "--start", "2027-01-01", "-q")
    code, output = run(*base, "--seed", "-1")
    assert code == 2
    assert "--seed" in output
    for option in ("--max-gap-days", "--stay-days", "--travel-days", "--slack-days"):
        code, output = run(*base, option, "100000000000")
        assert code == 2, option
        assert option in output and "3660" in output
    assert run(*base, "--max-gap-days", "3660")[0] == 0


def test_a_start_that_is_not_a_date_is_named_in_one_line(files: tuple[Path, Path]) -> None:
    pairs, _ = files
    # Only YYYY-MM-DD: Python also reads 20270101 and 2027-W01-1 (ISO week) as dates.
    for text in ("yesterday", "2027/01/01", "2027-13-01", "20270101", "2027-W01-1", "2027-1-1"):
        code, output = run("--pairings", str(pairs), "--start", text)
        assert code == 2
        assert one_error(output) == f"error: --start is not a date (YYYY-MM-DD): {text!r}"


def test_a_horizon_that_runs_past_the_last_date_is_refused(files: tuple[Path, Path]) -> None:
    pairs, _ = files
    for start, months in (("9999-06-01", "12"), ("2027-01-01", "100000000000000000")):
        code, output = run("--pairings", str(pairs), "--start", start, "--months", months)
        assert code == 2
        assert f"--start {start} with --months {months} runs past 9999-12-31" in one_error(output)


def test_a_horizon_ending_in_the_last_month_there_is_is_planned(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # Ending 9999-12-01: the month's length came from the next month's first day, 10000-01-01.
    pairs, visitors = files
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "9999-06-01",
        "--months", "6", "--out", str(tmp_path / "v.csv"), "-q",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output.strip().splitlines()[-1])["compliant_pairings"] == 18


@pytest.mark.parametrize("days", ["monkey", "", "mo", "mon-", "tues"])
@pytest.mark.parametrize("option", ["--start-days", "--working-days"])
def test_a_weekday_list_names_days(files: tuple[Path, Path], option: str, days: str) -> None:
    # "monkey" was read as Monday (its first three letters) and "" as every day.
    pairs, _ = files
    code, output = run("--pairings", str(pairs), "--start", "2027-01-01", option, days)
    assert code == 2
    assert one_error(output) == f"error: not a weekday list: {days!r} (try mon-fri or mon,wed,fri)"


def test_a_weekday_list_takes_names_or_their_first_three_letters(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    out = tmp_path / "v.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01",
        "--start-days", "Wednesday,sat", "--working-days", "mon-sun", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, output
    with out.open() as f:
        assert {date.fromisoformat(r["start"]).weekday() for r in csv.DictReader(f)} == {2, 5}


@pytest.mark.parametrize(
    "rows", [[], [["H9", "", "", "no visitor in reach"]]], ids=["header only", "unpaired only"]
)
def test_pairings_without_any_pair_plan_nothing_without_a_visitors_file(
    rows: list[list[object]], tmp_path: Path
) -> None:
    pairs = write(
        tmp_path / "pairs.csv", ["household_id", "visitor_id", "distance_m", "reason"], rows
    )
    out, unmet = tmp_path / "visits.csv", tmp_path / "unmet.csv"
    code, output = run(
        "--pairings", str(pairs), "--start", "2027-01-01", "--out", str(out),
        "--compliance", str(unmet), "--ics-dir", str(tmp_path / "ics"), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert (summary["pairings"], summary["visits"], summary["infeasible"]) == (0, 0, 0)
    assert out.read_text().strip() == "household_id,visitor_id,start,end"
    assert len(unmet.read_text().strip().splitlines()) == 1
    assert not list((tmp_path / "ics").glob("*.ics"))


def test_an_unknown_country_or_subdivision_is_named_with_the_valid_choices(
    files: tuple[Path, Path],
) -> None:
    pairs, _ = files
    base = ("--pairings", str(pairs), "--start", "2027-01-01", "-q")
    code, output = run(*base, "--country", "US", "--subdivision", "ZZ")
    assert code == 2
    line = one_error(output)
    assert "--subdivision 'ZZ' is not a subdivision of US; give one of AK, AL" in line
    assert "unknown country" not in line
    code, output = run(*base, "--country", "XX")
    assert code == 2
    assert "--country 'XX' is not a country with known holidays" in one_error(output)
    code, output = run(*base, "--country", "cn")
    assert code == 2
    assert "did you mean 'CN'?" in one_error(output)
    code, output = run(*base, "--country", "CN", "--subdivision", "X")
    assert code == 2
    assert "CN has no subdivisions" in one_error(output)
    code, output = run(*base, "--subdivision", "CA")
    assert code == 2
    assert "--subdivision needs --country" in one_error(output)
    assert run(*base, "--country", "US", "--subdivision", "CA")[0] == 0


def test_a_visitor_listed_twice_is_refused_naming_both_rows(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # Each row of the visitors file is staff of its organisation: a repeated visitor would
    # count twice towards the cap (or, kept once, make the cap disagree with the file).
    pairs, _ = files
    visitors = write(
        tmp_path / "V2.csv",
        ["visitor_id", "organisation"],
        [[f"V{i}", "A"] for i in range(10)] + [["V3", "A"]],
    )
    code, output = run("--pairings", str(pairs), "--visitors", str(visitors), "--start",
                       "2027-01-01", "--staff-cap", "0.5")  # fmt: skip
    assert code == 2
    assert "visitor 'V3' is listed twice (rows 5 and 12)" in output


def test_planning_into_the_same_folder_again_empties_a_calendar_no_longer_wanted(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    pairs, visitors = files
    ics = tmp_path / "ics"
    args = ("--visitors", str(visitors), "--start", "2027-01-01", "--ics-dir", str(ics), "-q")
    assert run("--pairings", str(pairs), *args)[0] == 0
    assert "VEVENT" in (ics / "V0.ics").read_text()
    with pairs.open() as f:  # V0's households (H0, H10) go to other visitors' care
        rows = [r for r in csv.reader(f) if r[1] != "V0"]
    fewer = write(tmp_path / "fewer.csv", rows[0], rows[1:])
    assert run("--pairings", str(fewer), *args)[0] == 0
    cal = icalendar.Calendar.from_ical((ics / "V0.ics").read_bytes())
    assert list(cal.walk("VEVENT")) == []


def test_date_columns_of_a_pairings_file_are_named_in_a_warning_as_ignored(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # File mode plans every pairing over the whole horizon: a start and end per pairing
    # would silently change nothing, so they are named. The output of `doorstep pair` has
    # only columns file mode reads (or, as `reason`, needs not), and gets no warning.
    pairs, visitors = files
    code, output = run("--pairings", str(pairs), "--visitors", str(visitors), "--start",
                       "2027-01-01", "--months", "3", "-q")  # fmt: skip
    assert code == 0, output
    assert "warning" not in output
    dated = write(
        tmp_path / "dated.csv",
        ["household_id", "visitor_id", "start", "distance_m", "end"],
        [["H1", "V1", "2027-02-01", 1200, "2027-03-01"]],
    )
    code, output = run("--pairings", str(dated), "--visitors", str(visitors), "--start",
                       "2027-01-01", "--months", "3", "-q")  # fmt: skip
    assert code == 0, output
    (warning,) = [line for line in output.splitlines() if line.startswith("warning")]
    assert warning == (
        "warning: pairings file column(s) start, end ignored: file mode plans every pairing "
        "over the whole horizon (dates per pairing are planned in database mode, --area)"
    )
    assert json.loads(output.strip().splitlines()[-1])["pairings"] == 1


def test_ids_a_spreadsheet_would_run_are_escaped_from_pair_to_plan_and_read_back_as_sent(
    tmp_path: Path,
) -> None:
    # Ids as a registry may hold them: `pair` and `plan` write them as `export` does (an
    # apostrophe first), and `plan` reads `pair`'s file back to the very same ids, which the
    # visitors and households files (the user's own, read as they are) give unescaped.
    ids = ['=HYPERLINK("http://x")', "@SUM(1)", "-H3", "'=H4", "H5"]
    households = write(
        tmp_path / "H.csv",
        ["household_id", "lat", "lon", "languages"],
        [[h, 40.0 + i / 1000, 116.0, "zh"] for i, h in enumerate(ids)],
    )
    visitors = write(
        tmp_path / "V.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity"],
        [["+V1", 40.0, 116.0, "zh", 5]],
    )
    pairs = tmp_path / "pairs.csv"
    pair(households, visitors, pairs)
    escaped = {escape_text(h) for h in ids}
    assert escaped == {"'" + h for h in ids[:4]} | {"H5"}
    with pairs.open() as f:
        rows = list(csv.DictReader(f))
    assert {r["household_id"] for r in rows} == escaped
    assert {r["visitor_id"] for r in rows} == {"'+V1"}

    out, unmet = tmp_path / "visits.csv", tmp_path / "unmet.csv"
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--households", str(households),
        "--start", "2027-01-01", "--months", "2", "--max-gap-days", "20", "--stay-days", "7",
        "--out", str(out), "--compliance", str(unmet), "--ics-dir", str(tmp_path / "ics"), "-q",
    )  # fmt: skip
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["pairings"] == len(ids)
    for path in (out, unmet):
        with path.open() as f:
            written = list(csv.DictReader(f))
        assert written, path
        assert {r["household_id"] for r in written} <= escaped, path
        assert {r["visitor_id"] for r in written} == {"'+V1"}, path
    with out.open() as f:
        assert {r["household_id"] for r in csv.DictReader(f)} == escaped
    # A calendar is not opened by a spreadsheet: its ids stay as they are (its own file name
    # is made safe apart).
    (calendar,) = (tmp_path / "ics").glob("*.ics")
    assert "household =HYPERLINK" in calendar.read_text().replace("\r\n ", "")


def test_a_pairings_row_longer_than_the_header_is_one_line_naming_it(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    _, visitors = files
    pairs = tmp_path / "r.csv"
    pairs.write_text("household_id,visitor_id,distance_m\nH1,V1,5\nH2,V1,5,7,8\n")
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01"
    )
    assert code == 2
    assert one_error(output) == (
        f"error: cannot read pairings file {pairs}: row 3 has 5 fields, the header 3"
    )


def test_a_pair_without_a_household_is_refused_naming_its_row(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    # It was dropped without a word, and its visitor planned without the household.
    _, visitors = files
    pairs = write(tmp_path / "p.csv", ["household_id", "visitor_id"], [["H1", "V1"], ["", "V2"]])
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--start", "2027-01-01"
    )
    assert code == 2
    assert one_error(output) == (
        f"error: pairings file {pairs}: row 3 has a visitor_id but no household_id"
    )


def test_the_visitors_file_pair_trimmed_plans_with_the_pairs_it_wrote(tmp_path: Path) -> None:
    # `pair` reads ' V1 ' and 'V2<zero-width space>' as V1 and V2 (as an import does) and
    # writes them so; `plan` read the same file as it is and found neither visitor.
    households = write(
        tmp_path / "H.csv",
        ["household_id", "lat", "lon", "languages"],
        [["H1", 40.0, 116.0, "zh"], ["H2", 40.001, 116.0, "zh"]],
    )
    visitors = write(
        tmp_path / "V.csv",
        ["visitor_id", "lat", "lon", "languages", "capacity"],
        [[" V1 ", 40.0, 116.0, "zh", 1], ["V2\u200b", 40.001, 116.0, "zh", 1]],
    )
    pairs = tmp_path / "pairs.csv"
    pair(households, visitors, pairs)
    with pairs.open() as f:
        assert {r["visitor_id"] for r in csv.DictReader(f)} == {"V1", "V2"}
    code, output = run(
        "--pairings", str(pairs), "--visitors", str(visitors), "--households", str(households),
        "--start", "2027-01-01", "--months", "2", "--out", str(tmp_path / "visits.csv"), "-q",
    )  # fmt: skip
    assert code == 0, output
    assert json.loads(output.strip().splitlines()[-1])["pairings"] == 2
